/**
 * A peer's HTTP face, put on its server once: the access policy (Host, Origin, the mesh's LAN origins),
 * the GET route table, POST /inbox and WebSocket upgrades. What the routes answer comes from the caller;
 * this module only decides who reaches which.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import type { DirectoryView } from '../shared/directory.js'
import type { PeerEntry, RegistryResponse } from '../shared/schema.js'
import type { AccessCheck } from './access.js'
import { peerProof } from './access-token.js'
import { BrowserAssets } from './browser-assets.js'
import type { PeerConfig } from './config.js'
import { renderDashboard } from './dashboard-page.js'
import type { EventLog } from './event-log.js'
import { createAccessPolicy, type AccessPolicy } from './http-guards.js'
import { buildRoutes, createRequestHandler, type RouteSources } from './http-routes.js'
import type { Inbox } from './inbox.js'
import { createInboxRoute } from './inbox-route.js'
import type { Logger } from './log.js'
import { meshOriginRule } from './origin-rule.js'
import type { RoomServer } from './room-server.js'
import type { AddressPlan } from './self-entry.js'
import { createUpgradeHandler, type UpgradeHandler } from './upgrade.js'

export interface PeerHttpWiring {
  server: Server
  config: PeerConfig
  plan: AddressPlan
  /** The port the server is bound to (an overflow peer adds its range port to the policy later). */
  port: number
  entry: PeerEntry
  view: DirectoryView
  /** The directory as strangers read it: no room names (directory-projection.ts). */
  strangerView: DirectoryView
  access: AccessCheck
  key: Buffer
  rooms: RoomServer
  inbox: Inbox
  events: EventLog
  health: RouteSources['health']
  /** Ports on which `localhost` reaches this peer alone: only there is a proof given for it (family-guard.ts). */
  localhostHeld(port: number): boolean
  log: Logger
}

export interface PeerHttp {
  policy: AccessPolicy
  upgrades: UpgradeHandler
}

/**
 * /registry's JSON for `view`, encoded again only when the view's list is a new one (DirectoryView.peers()
 * returns the same array until the directory changes): every join asks it, on its socket or by fetch.
 */
const registryJsonOf = (selfId: string, view: DirectoryView): (() => string) => {
  let peers: readonly PeerEntry[] | null = null
  let json = ''
  return () => {
    const now = view.peers()
    if (now !== peers) json = JSON.stringify({ self: selfId, peers: (peers = now) } satisfies RegistryResponse)
    return json
  }
}

export const servePeerHttp = (w: PeerHttpWiring): PeerHttp => {
  const { config, plan, entry, log } = w
  const policy = createAccessPolicy({
    port: w.port,
    bindHost: config.host,
    ports: config.ports,
    allowOrigins: config.allowOrigins,
    extraHosts: plan.extraHosts,
    originAllowed: meshOriginRule({ view: w.view, lan: plan.lan, ports: config.ports }),
    info: (line) => log.info(line),
    localhostHeld: w.localhostHeld
  })
  const people = registryJsonOf(entry.id, w.view)
  const strangers = registryJsonOf(entry.id, w.strangerView)
  const registryJson: RouteSources['registryJson'] = (person) => (person ? people : strangers)()
  const proof: RouteSources['proof'] = (nonce, base) => peerProof(w.access.token, nonce, base)
  const routes = buildRoutes({
    health: w.health,
    registryJson,
    events: (after) => w.events.since(after),
    proof,
    dashboardHtml: renderDashboard(entry, config.ports),
    assets: new BrowserAssets(log)
  })
  const person = (req: IncomingMessage) => w.access.personOverHttp(req)
  const posts = new Map([['/inbox', createInboxRoute({ selfId: entry.id, inbox: w.inbox, authorize: (req) => w.access.peerOverHttp(req) || person(req) })]])
  const upgrades = createUpgradeHandler({ policy, rooms: w.rooms, access: w.access, key: w.key, selfId: entry.id, registryJson, proof, log })
  const onRequest = createRequestHandler(policy, routes, person, posts)
  // What one request throws (a shape nothing here foresaw) costs that request, never the peer.
  w.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    try {
      onRequest(req, res)
    } catch (err) {
      log.debug(`request ${req.method} ${String(req.url).slice(0, 100)}: ${(err as Error).message}`)
      if (res.headersSent) res.destroy()
      else res.writeHead(500, { Connection: 'close' }).end()
    }
  })
  w.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    try {
      upgrades.handle(req, socket, head)
    } catch (err) {
      log.debug(`upgrade ${String(req.url).slice(0, 100)}: ${(err as Error).message}`)
      socket.destroy()
    }
  })
  return { policy, upgrades }
}
