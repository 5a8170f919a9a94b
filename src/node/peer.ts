/**
 * One peer, wired: the room server with the directory doc, the mesh and room links around it, and an
 * HTTP server on a loopback port (peer-http.ts) in front. Wiring only: what /health answers, how the
 * peer starts and stops and who may reach what each live in their own module. Every piece of state is
 * in the returned instance, so tests can run several peers in one process.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { DirectoryView } from '../shared/directory.js'
import type { PeerEntry } from '../shared/schema.js'
import { AccessCheck } from './access.js'
import type { AccessPolicy, SocketAddress } from './http-guards.js'
import { dashboardUrl } from './access-token.js'
import type { PeerConfig } from './config.js'
import { ConnectionCap, SERVER_TIMEOUTS } from './conn-cap.js'
import { DeferredDiscovery } from './discovery/deferred.js'
import type { NodeDiscovery } from './discovery/hint.js'
import { RegistryFileDiscovery } from './discovery/registry-file.js'
import { EventLog } from './event-log.js'
import { FamilyGuard } from './family-guard.js'
import { healthAnswer } from './health-answer.js'
import { Inbox } from './inbox.js'
import { Keepalive } from './keepalive.js'
import { bindPort } from './listen.js'
import { createLogger, type Logger } from './log.js'
import { Mesh } from './mesh.js'
import { loadMeshKey } from './mesh-key.js'
import { overflowClaim } from './overflow-claim.js'
import type { PeerHandle, PeerOptions } from './peer-api.js'
import { servePeerHttp } from './peer-http.js'
import { peerLifecycle } from './peer-lifecycle.js'
import { selfIdentity } from './process-identity.js'
import { RegistryFile } from './registry-file.js'
import { RoomLinks } from './room-links.js'
import { DEFAULT_LIMITS } from './room-limits.js'
import { RoomServer } from './room-server.js'
import { RoomStore } from './room-store.js'
import { addressPlan, buildSelfEntry, type AddressPlan } from './self-entry.js'
import { dialRoomAsClient, LINK_HEADER, signLink, type LinkDial } from './link-auth.js'
import { refuse } from './upgrade.js'

export { VERSION } from './self-entry.js'

export type { PeerOptions } from './peer-api.js'

export interface Peer extends PeerHandle {
  /** What the MCP side works with: rooms, the directory, the inbox, and this peer's own entry. */
  readonly rooms: RoomServer
  /** Rooms on disk under the home, and the links that make each room one doc across the mesh. */
  readonly store: RoomStore
  readonly roomLinks: RoomLinks
  readonly inbox: Inbox
  /** A peer link proof (link-auth.ts) for a request to `target` at its URL, as headers: what POST /inbox shows instead of the token. */
  linkProof(target: { id: string; url: string }): Record<string, string>
  /** A fresh link handshake for one connection to a room of `target`, as a client there: what read_room, write_room and a catch-up show instead of the token. */
  roomDial(target: { id: string; url: string }): LinkDial
}

/**
 * Where hints of other peers come from: servers.json always, mDNS unless it is off. mDNS starts after
 * `gate` and is loaded only then: bonjour-service and its DNS codec are a fifth of a peer's code.
 */
const discoveriesFor = (config: PeerConfig, registry: RegistryFile, self: PeerEntry, log: Logger, gate: Promise<void>) => {
  const out: NodeDiscovery[] = [new RegistryFileDiscovery({ registry, self, hostId: self.hostId, log })]
  if (config.mdns === 'off') return out
  const { mdns: scope } = config
  const load = () => import('./discovery/mdns.js').then(({ MdnsDiscovery }) => new MdnsDiscovery({ scope, id: self.id, port: self.port, log }))
  return [...out, new DeferredDiscovery({ name: 'mdns', load, gate, log })]
}

/**
 * Until the routes are served (startPeer, after the key is loaded), a request is answered 503 and its
 * connection closed: Node's parser has taken it whole, so no server timeout would end it, and it would
 * hang until its client gave up, busy in the connection cap all that while.
 */
const starting = (_req: IncomingMessage, res: ServerResponse): void => {
  res.writeHead(503, { 'Content-Type': 'text/plain', 'Retry-After': '1', Connection: 'close' }).end('starting\n')
}

/**
 * The same for an Upgrade request: the cap's own 'upgrade' listener (idle-connections.ts) makes Node hand
 * every one to the 'upgrade' listeners, none of which answered it until the routes were served, and the
 * socket, no longer HTTP's, hung with no timeout (a page reconnecting to a restarted peer, a peer's link).
 */
const startingUpgrade = (_req: IncomingMessage, socket: Duplex): void => {
  socket.on('error', () => {})
  refuse(socket, 503, 'Service Unavailable')
}

/**
 * Strangers' WebSockets stay open (keepalive answers itself) and, upgraded, are never idle to the cap, so
 * all of them together may take only a quarter of it: under a low open-files limit (cap 100 at 200 files)
 * 128 of them, from four 127/8 addresses and no token, held every connection the peer may have.
 */
const strangerLimits = (cap: number) => ({ maxStrangerConns: Math.min(DEFAULT_LIMITS.maxStrangerConns, Math.floor(cap / 4)) })

/** The HTTP server on its port, under its one connection cap, and the guard of the port's other loopback family (family-guard.ts). */
const listen = async (config: PeerConfig, plan: AddressPlan, log: Logger) => {
  const server = createServer(SERVER_TIMEOUTS)
  const cap = new ConnectionCap(server, { warn: (line) => log.warn(line) })
  server.on('clientError', (_err, socket) => socket.destroy())
  server.on('request', starting)
  server.on('upgrade', startingUpgrade)
  const bound = await bindPort(server, plan.bindHost, config.port, config.ports)
  /** Serves the routes from here on, in place of `starting`. */
  const serve = (w: Parameters<typeof servePeerHttp>[0]) => {
    const served = servePeerHttp(w)
    server.off('request', starting)
    server.off('upgrade', startingUpgrade)
    return served
  }
  return { server, cap, serve, guard: new FamilyGuard({ hand: cap.hand, log }), ...bound }
}

export const startPeer = async (config: PeerConfig, opts: PeerOptions = {}): Promise<Peer> => {
  const log = opts.log ?? createLogger(config.logLevel, 'peer-plan-node')
  const registry = new RegistryFile(config.home, log)
  await registry.init()
  const plan = addressPlan(config, log)
  const { server, cap, serve, guard, port, overflow, address } = await listen(config, plan, log)
  const entry = buildSelfEntry(config, plan, port)
  if (overflow) {
    const [first, last] = config.ports
    log.info(`ports ${first}-${last} are all taken; serving on ${entry.url} and taking a range port when one frees up`)
  }

  const key = await loadMeshKey(config.home, config.secretFile, log)
  // The range port's URL once an overflow peer takes one (claimed, below); entry.url stays served.
  let currentUrl = entry.url
  // A link proof must name a URL this peer answers to: the HTTP face's Host check, made below with the
  // routes that use this check (a range port taken later is added to it).
  let policy: AccessPolicy | null = null
  const hosts = { servesHost: (host: string) => policy?.hostAllowed(host) ?? false, namesSocket: (host: string, socket: SocketAddress) => policy?.namesSocket(host, socket) ?? false }
  const access = new AccessCheck({ key, selfId: entry.id, ...hosts, strangersArePeople: config.dangerouslyAllowStrangers })
  const keepalive = new Keepalive(opts.pingIntervalMs ?? 1000)
  const store = new RoomStore({ home: config.home, peerId: entry.id, self: selfIdentity(), log })
  const rooms = new RoomServer({ log, maxRooms: opts.maxRooms ?? 64, keepalive, store, pinIdleMs: config.roomIdleMs, limits: strangerLimits(cap.cap) })
  const doc = rooms.directory.doc
  const view = new DirectoryView(doc)
  // What strangers read: the directory without room names (directory-projection.ts).
  const strangerView = new DirectoryView(rooms.strangerDirectory.doc)
  let started = (): void => {}
  const gate = opts.mdnsAfter ?? new Promise<void>((r) => (started = r))
  const discoveries = discoveriesFor(config, registry, entry, log, gate)
  const scope = plan.lan ? 'lan' : 'loopback'
  const overLimit = (frame: Uint8Array) => rooms.overLimit(rooms.directory, frame)?.reason ?? null
  const mesh = new Mesh({ self: entry, doc, view, keepalive, overLimit, key, scope, log, hostId: entry.hostId, discoveries })
  rooms.on('peer-conn-closed', mesh.onInboundClosed)
  const roomLinks = new RoomLinks({ selfId: entry.id, rooms, view, key, keepalive, scope, log })
  rooms.settled = (name) => roomLinks.settled(name)

  const live = () => view.peers().find((p) => p.id === entry.id) ?? entry
  const health = healthAnswer({ live, peerCount: () => view.peers().length, mesh, rooms, roomLinks, connections: cap })
  const inbox = new Inbox()
  const events = new EventLog({ doc, view, inbox, self: live })
  const http = { server, config, plan, port, entry, view, strangerView, access, key, rooms, inbox, events, health, localhostHeld: guard.localhostHeld, log }
  const served = serve(http)
  const { upgrades } = served
  policy = served.policy

  const claimed = (p: number, url: string) => {
    // Until it answers, localhost:p is not proved: refused, never wrongly given.
    void guard.hold(address, p)
    // Before the new URL is published: a peer may dial it as soon as it reads it.
    served.policy.addPort(p)
    mesh.updateSelf({ url, port: p, overflowUrl: entry.url })
    currentUrl = url
  }
  const claim = overflow ? overflowClaim({ cap, plan, config, view, entry, log, claimed }) : null
  const { start, stop } = peerLifecycle({ server, mesh, rooms, roomLinks, claim, guard, keepalive, upgrades, events, views: [view, strangerView] })
  // After the ready line, as mDNS: a process's first IPv6 listen costs ~5 ms of CPU here (Node compiles
  // its IPv6 address pattern), and until the guard answers, localhost is refused, never wrongly proved.
  void gate.then(() => guard.hold(address, port))
  await start()
  started()
  return {
    entry,
    get url() {
      return currentUrl
    },
    dashboardUrl: dashboardUrl(entry.url, access.token),
    token: access.token,
    rooms,
    store,
    roomLinks,
    inbox,
    updateSelf: (patch) => mesh.updateSelf(patch),
    linkProof: (target) => ({ [LINK_HEADER]: signLink(key, entry.id, target.id, target.url).header }),
    roomDial: (target) => dialRoomAsClient(key, entry.id, target.id, target.url),
    peers: () => view.peers(),
    health,
    stop
  }
}
