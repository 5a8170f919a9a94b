/**
 * One peer, wired: an HTTP server on a loopback port (routes, WebSocket upgrades, the access policy),
 * the room server with the directory doc, and the mesh around it. Every piece of state is in the
 * returned instance, so tests can run several peers in one process.
 */
import { createServer, type IncomingMessage } from 'node:http'
import { DirectoryView } from '../shared/directory.js'
import type { HealthResponse, PeerEntry } from '../shared/schema.js'
import { BrowserAssets } from './browser-assets.js'
import type { PeerConfig } from './config.js'
import { renderDashboard } from './dashboard-page.js'
import type { NodeDiscovery } from './discovery/hint.js'
import { RegistryFileDiscovery } from './discovery/registry-file.js'
import { DIRECTORY_ROOM } from '../shared/protocol.js'
import { createAccessPolicy } from './http-guards.js'
import { buildRoutes, createRequestHandler } from './http-routes.js'
import { AccessCheck } from './access.js'
import { dashboardUrl } from './access-token.js'
import { EventLog } from './event-log.js'
import { Inbox } from './inbox.js'
import { createInboxRoute } from './inbox-route.js'
import { Keepalive } from './keepalive.js'
import { bindPort } from './listen.js'
import { createLogger, type Logger } from './log.js'
import { Mesh } from './mesh.js'
import { overflowClaim } from './overflow-claim.js'
import type { PeerHandle, PeerOptions } from './peer-api.js'
import { loadMeshKey } from './mesh-key.js'
import { meshOriginRule } from './origin-rule.js'
import { RegistryFile } from './registry-file.js'
import { RoomLinks } from './room-links.js'
import { RoomServer } from './room-server.js'
import { RoomStore } from './room-store.js'
import { selfIdentity } from './process-identity.js'
import { addressPlan, buildSelfEntry } from './self-entry.js'
import { createUpgradeHandler } from './upgrade.js'

export { VERSION } from './self-entry.js'

export type { PeerOptions } from './peer-api.js'

export interface Peer extends PeerHandle {
  /** What the MCP side works with: rooms, the directory, the inbox, and this peer's own entry. */
  readonly rooms: RoomServer
  /** Rooms on disk under the home, and the links that make each room one doc across the mesh. */
  readonly store: RoomStore
  readonly roomLinks: RoomLinks
  readonly inbox: Inbox
}

export const startPeer = async (config: PeerConfig, opts: PeerOptions = {}): Promise<Peer> => {
  const log = opts.log ?? createLogger(config.logLevel, 'peer-plan-node')
  const registry = new RegistryFile(config.home, log)
  await registry.init()
  const server = createServer()
  server.on('clientError', (_err, socket) => socket.destroy())
  const plan = addressPlan(config, log)
  const { port, overflow } = await bindPort(server, plan.bindHost, config.port, config.ports)
  const entry = buildSelfEntry(config, plan, port)
  if (overflow) log.info(`ports ${config.ports[0]}-${config.ports[1]} are all taken; serving on ${entry.url} and taking a range port when one frees up`)

  const key = await loadMeshKey(config.home, config.secretFile, log)
  const access = new AccessCheck({ key, selfId: entry.id, strangersArePeople: config.dangerouslyAllowStrangers })
  const keepalive = new Keepalive(opts.pingIntervalMs ?? 1000)
  const store = new RoomStore({ home: config.home, peerId: entry.id, self: selfIdentity(), log })
  const rooms = new RoomServer({ log, maxRooms: opts.maxRooms ?? 64, keepalive, store })
  const view = new DirectoryView(rooms.directory.doc)
  // What strangers read: the directory without room names (directory-projection.ts).
  const strangerView = new DirectoryView(rooms.strangerDirectory.doc)
  const discoveries: NodeDiscovery[] = [new RegistryFileDiscovery({ registry, self: entry, hostId: entry.hostId, log })]
  // Loaded only when used: bonjour-service and its DNS codec are a fifth of a peer's code.
  if (config.mdns !== 'off') discoveries.push(new (await import('./discovery/mdns.js')).MdnsDiscovery({ scope: config.mdns, id: entry.id, port, log }))
  const mesh = new Mesh({ self: entry, doc: rooms.directory.doc, view, keepalive, overLimit: (frame) => rooms.overLimit(rooms.directory, frame)?.reason ?? null, key, scope: plan.lan ? 'lan' : 'loopback', log, hostId: entry.hostId, discoveries })
  rooms.on('peer-conn-closed', mesh.onInboundClosed)
  const roomLinks = new RoomLinks({ selfId: entry.id, rooms, view, key, keepalive, scope: plan.lan ? 'lan' : 'loopback', log })

  const policy = createAccessPolicy({ port, bindHost: config.host, ports: config.ports, allowOrigins: config.allowOrigins, extraHosts: plan.extraHosts, originAllowed: meshOriginRule({ view, lan: plan.lan, ports: config.ports }), info: (line) => log.info(line) })
  const live = () => view.peers().find((p) => p.id === entry.id) ?? entry
  const health = (person = true): HealthResponse => {
    // Strangers get no room names, not even the ones this peer's own entry lists.
    const { rooms: _listed, storedRooms, ...self } = live()
    const out: HealthResponse = { ...self, ok: true, peers: view.peers().length, links: { outbound: mesh.outboundCount(), inbound: rooms.inboundPeers().size } }
    if (!person) return out
    return { ...out, storedRooms, rooms: [...rooms.rooms.keys()].filter((r) => r !== DIRECTORY_ROOM), roomLinks: { outbound: roomLinks.outboundCount(), inbound: rooms.inboundRoomLinks() } }
  }
  const inbox = new Inbox()
  const events = new EventLog({ doc: rooms.directory.doc, view, inbox, self: live })
  const routes = buildRoutes({ health, registry: (person) => ({ self: entry.id, peers: (person ? view : strangerView).peers() }), events: (after) => events.since(after), dashboardHtml: renderDashboard(entry, config.ports), assets: new BrowserAssets(log) })
  const upgrades = createUpgradeHandler({ policy, rooms, access, key, selfId: entry.id, log })
  const person = (req: IncomingMessage) => access.personOverHttp(req)
  server.on('request', createRequestHandler(policy, routes, person, new Map([['/inbox', createInboxRoute({ selfId: entry.id, inbox, authorize: person })]])))
  server.on('upgrade', upgrades.handle)

  let currentUrl = entry.url
  const claim = overflow ? overflowClaim({ server, plan, config, view, entry, log, claimed: (p, url) => (policy.addPort(p), mesh.updateSelf({ url, port: p, overflowUrl: entry.url }), (currentUrl = url)) }) : null
  const close = async () => {
    claim?.stop()
    await Promise.all([rooms.drain(300), roomLinks.stop(300)])
    await rooms.close()
    keepalive.close()
    upgrades.close()
    events.destroy()
    view.destroy()
    strangerView.destroy()
    server.closeAllConnections()
    await new Promise<void>((r) => server.close(() => r()))
  }
  try {
    await mesh.start()
    roomLinks.start()
    claim?.start()
  } catch (err) {
    await mesh.stop().catch(() => {})
    await close()
    throw err
  }
  let stopping: Promise<void> | null = null
  const stop = () => (stopping ??= mesh.stop().finally(close))
  return { entry, get url() { return currentUrl }, dashboardUrl: dashboardUrl(entry.url, access.token), token: access.token, rooms, store, roomLinks, inbox, updateSelf: (patch) => mesh.updateSelf(patch), peers: () => view.peers(), health, stop }
}
