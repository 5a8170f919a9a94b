/**
 * peer-plan/vite: `peerPlan()`, a Vite plugin for `vite` (dev) and `vite preview`. On the dev server's
 * own origin it serves `<base>/registry` (the live mesh, from a peer's directory the plugin follows),
 * pushes each change over Vite's hot channel as the `peer-plan:registry` event (dev only; a preview page
 * polls), and relays the peers (`<base>/peer/<port>/...`, HTTP and WebSocket), so a page served by Vite
 * reaches the mesh with no --allow-origin. Vite is imported for its types only.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import type { Connect, Plugin, PreviewServer, ViteDevServer } from 'vite'
import { DEV_BASE, DEV_REGISTRY_EVENT } from '../shared/protocol.js'
import { accessToken } from '../node/access-token.js'
import { createLogger } from '../node/log.js'
import { loadMeshKey } from '../node/mesh-key.js'
import { MeshFollower, meshConfig, type FollowerOptions } from './mesh-follower.js'
import { pageRefusal } from './page-guard.js'
import { refuseUpgrade, relayHttp, relayPath, WsRelay } from './relay.js'

export interface PeerPlanOptions extends FollowerOptions {
  /** Where the routes live on the dev server; default '/api' (`/api/registry`, `/api/peer/<port>/...`). */
  base?: string
  /** Print the page's URL with the mesh's access token (`#token=`) in Vite's terminal, as a peer prints its dashboard. Default true. */
  printToken?: boolean
}

/** What the plugin uses of a dev or preview server's HTTP server: its upgrade, listening and close events. */
type HttpServer = NodeJS.EventEmitter & { address(): AddressInfo | string | null }

interface Host {
  httpServer: HttpServer | null
  middlewares: Connect.Server
  allowedHosts: () => readonly string[] | true
  /** Vite's hot channel (dev), or null (preview). */
  push: ((registry: unknown) => void) | null
  info: (line: string) => void
  scheme: 'http' | 'https'
}

const refuse = (res: ServerResponse, status: number, why: string): void =>
  void res.writeHead(status, { 'Content-Type': 'text/plain', 'X-Peer-Plan-Error': why }).end(`${why}\n`)

const middleware =
  (base: string, follower: MeshFollower, host: Host): Connect.NextHandleFunction =>
  (req, res, next) => {
    const url = req.url ?? '/'
    if (url !== `${base}/registry` && !url.startsWith(`${base}/registry?`) && !url.startsWith(`${base}/peer/`)) return next()
    const why = pageRefusal(req, host.allowedHosts())
    if (why) return refuse(res, 403, why)
    const relay = relayPath(base, url)
    if (relay) return follower.servesPort(relay.port) ? relayHttp(req, res, relay.port, relay.rest) : refuse(res, 404, `no peer of the mesh on port ${relay.port}`)
    if (url.startsWith(`${base}/peer/`)) return refuse(res, 404, 'not a relay path')
    void follower.whenReady(2000).then((registry) => {
      if (!registry) return refuse(res, 503, `no peer-plan peer answered (${follower.describe()}); start one with: npx peer-plan-node`)
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(JSON.stringify(registry))
    })
  }

const upgradeHandler = (base: string, follower: MeshFollower, host: Host, relay: WsRelay) => (req: IncomingMessage, socket: Duplex, head: Buffer) => {
  const target = relayPath(base, req.url ?? '/')
  if (!target) return // Vite's own (HMR) or another plugin's
  const why = pageRefusal(req, host.allowedHosts()) ?? (follower.servesPort(target.port) ? null : `no peer of the mesh on port ${target.port}`)
  if (why) return refuseUpgrade(socket, '403 Forbidden', why)
  relay.handle(req, socket, head, target.port, target.rest)
}

/** The page URL with the token, when this user's mesh key exists (never made here). */
const tokenUrl = async (follower: FollowerOptions, url: string): Promise<string | null> => {
  const config = meshConfig(follower)
  if (!config.secretFile && !existsSync(join(config.home, 'mesh.key'))) return null
  const key = await loadMeshKey(config.home, config.secretFile, createLogger('error', 'peer-plan/vite')).catch(() => null)
  return key ? `${url.replace(/\/$/, '')}/#token=${accessToken(key)}` : null
}

const attach = (options: PeerPlanOptions, host: Host): void => {
  const base = (options.base ?? DEV_BASE).replace(/\/+$/, '')
  const follower = new MeshFollower(meshConfig(options))
  const relay = new WsRelay()
  follower.start()
  if (host.push) follower.onChange(host.push)
  host.middlewares.use(middleware(base, follower, host))
  if (!host.httpServer) return host.info('peer-plan: middleware mode has no HTTP server to relay WebSockets on; pages must reach the peers themselves')
  host.httpServer.on('upgrade', upgradeHandler(base, follower, host, relay))
  host.httpServer.once('close', () => (follower.stop(), relay.closeAll()))
  const server = host.httpServer
  server.once('listening', () => {
    const address = server.address()
    if (options.printToken === false || !address || typeof address === 'string') return
    const url = `${host.scheme}://localhost:${address.port}`
    void tokenUrl(options, url).then((u) => u && host.info(`peer-plan: open ${u} to let the page open rooms (the mesh's access token)`))
  })
}

export const peerPlan = (options: PeerPlanOptions = {}): Plugin => ({
  name: 'peer-plan',
  configureServer(server: ViteDevServer) {
    attach(options, {
      httpServer: server.httpServer as HttpServer | null,
      middlewares: server.middlewares,
      // allowedHosts came with Vite 6.0.9 / 5.4.12; before it there is none.
      allowedHosts: () => server.config.server.allowedHosts ?? [],
      push: (registry) => server.ws.send(DEV_REGISTRY_EVENT, registry),
      info: (line) => server.config.logger.info(line),
      scheme: server.config.server.https ? 'https' : 'http'
    })
  },
  configurePreviewServer(server: PreviewServer) {
    attach(options, {
      httpServer: server.httpServer as HttpServer,
      middlewares: server.middlewares,
      allowedHosts: () => server.config.preview.allowedHosts ?? [],
      push: null,
      info: (line) => server.config.logger.info(line),
      scheme: server.config.preview.https ? 'https' : 'http'
    })
  }
})

export default peerPlan
