/**
 * One peer: an HTTP server on a loopback port that serves /health, /registry, the dashboard and Yjs
 * rooms over WebSocket, and a Mesh that keeps the shared directory. Every piece of state is in the
 * returned instance, so tests can run several peers in one process.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import type { Duplex } from 'node:stream'
import { WebSocketServer } from 'ws'
import { DirectoryView } from '../shared/directory.js'
import { isServableRoom, MAX_PAYLOAD_BYTES, PROTOCOL_VERSION } from '../shared/protocol.js'
import type { HealthResponse, PeerEntry, RegistryResponse } from '../shared/schema.js'
import type { PeerConfig } from './config.js'
import { answerPreflight, checkRequest, createAccessPolicy, setCorsHeaders } from './http-guards.js'
import { bindPort } from './listen.js'
import { createLogger, type Logger } from './log.js'
import { Mesh } from './mesh.js'
import { machineId, selfIdentity } from './process-identity.js'
import { RegistryFile } from './registry-file.js'
import { RoomServer } from './room-server.js'
import { lanAddresses, MdnsDiscovery } from './discovery/mdns.js'
import { hostname } from 'node:os'
import { DASHBOARD_CSP, renderDashboard } from './dashboard-page.js'
import { loadBrowserAssets } from './browser-assets.js'

export const VERSION: string = (createRequire(import.meta.url)('../../package.json') as { version: string }).version

export interface PeerOptions {
  log?: Logger
  /** Rooms a peer hosts at once, besides the directory. */
  maxRooms?: number
  pingIntervalMs?: number
}

export interface Peer {
  readonly entry: PeerEntry
  readonly url: string
  peers(): PeerEntry[]
  health(): HealthResponse
  stop(): Promise<void>
}

const PEER_ID_RE = /^[A-Za-z0-9_-]{4,64}$/

export const startPeer = async (config: PeerConfig, opts: PeerOptions = {}): Promise<Peer> => {
  const log = opts.log ?? createLogger(config.logLevel, 'peer-plan-node')
  const registry = new RegistryFile(config.home, log)
  await registry.init()

  const server = createServer()
  server.on('clientError', (_err, socket) => socket.destroy())
  // lan scope serves HTTP on every IPv4 interface and advertises the first LAN address; every Host,
  // Origin and size rule still applies.
  const lan = config.mdns === 'lan'
  const lanAddr = lan ? lanAddresses()[0] : undefined
  // The mDNS module says it once, as a warning; this only notes what the peer does about it.
  if (lan && !lanAddr) log.debug('--mdns lan: no non-loopback IPv4 interface; serving loopback only')
  const bindHost = lan && lanAddr ? '0.0.0.0' : config.host
  const port = await bindPort(server, bindHost, config.port, config.ports)
  const urlHost = lanAddr ?? (config.host.includes(':') ? `[${config.host}]` : config.host)
  const hostId = machineId()
  const entry: PeerEntry = {
    id: randomBytes(8).toString('hex'),
    name: config.name ?? `peer-${port}`,
    url: `http://${urlHost}:${port}`,
    host: config.host,
    port,
    ...selfIdentity(),
    hostId,
    version: VERSION,
    protocol: PROTOCOL_VERSION,
    startedAt: Date.now(),
    capabilities: ['y-websocket']
  }

  const assets = await loadBrowserAssets(log)
  const dashboardHtml = renderDashboard(entry, config.ports)
  const policy = createAccessPolicy({
    port,
    bindHost: config.host,
    ports: config.ports,
    allowOrigins: config.allowOrigins,
    // lan: this host's own addresses and name.
    extraHosts: lan ? [...lanAddresses(), `${hostname()}.local`] : [],
    // The mesh's own origins are every peer's in the directory, whatever port range its home uses
    // (mDNS joins homes); in lan scope also this host's addresses on its own range.
    originAllowed: (origin) => {
      const loopbackName = origin.hostname === 'localhost' || origin.hostname.startsWith('127.')
      const port = Number(origin.port)
      if (lan && lanAddresses().includes(origin.hostname) && port >= config.ports[0] && port <= config.ports[1]) return true
      return directory.peers().some((p) => {
        const u = new URL(p.url)
        return Number(u.port) === port && (u.hostname === origin.hostname || (loopbackName && u.hostname.startsWith('127.')))
      })
    }
  })
  let mesh: Mesh | null = null
  const rooms = new RoomServer({
    log,
    maxRooms: opts.maxRooms ?? 64,
    pingIntervalMs: opts.pingIntervalMs ?? 1000,
    onPeerConnClosed: (peerId, code) => mesh?.onInboundClosed(peerId, code)
  })
  const directory = new DirectoryView(rooms.directory.doc)
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD_BYTES, perMessageDeflate: false })
  wss.on('error', (err) => log.warn(`websocket server: ${err.message}`))

  const registryResponse = (): RegistryResponse => ({ self: entry.id, peers: directory.peers() })
  const health = (): HealthResponse => ({
    ...entry,
    ok: true,
    peers: directory.peers().length,
    links: { outbound: mesh?.outboundCount() ?? 0, inbound: rooms.inboundPeers().size },
    rooms: [...rooms.rooms.keys()]
  })

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    res.setHeader('Cache-Control', 'no-store')
    res.setHeader('X-Content-Type-Options', 'nosniff')
    const verdict = checkRequest(policy, req)
    if (!verdict.ok) return void res.writeHead(verdict.status, { 'Content-Type': 'text/plain' }).end(`${verdict.reason}\n`)
    setCorsHeaders(policy, req, res)
    if (req.method === 'OPTIONS') return answerPreflight(req, res)
    const path = (req.url ?? '/').split('?')[0]
    const json = (body: unknown) => {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify(body))
    }
    const routes: Record<string, () => void> = {
      '/health': () => json(health()),
      '/registry': () => json(registryResponse()),
      '/': () => {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': DASHBOARD_CSP, 'Referrer-Policy': 'no-referrer' })
        res.end(req.method === 'HEAD' ? undefined : dashboardHtml)
      }
    }
    // Browsers ask for it on every page load; an empty answer keeps their consoles clean.
    routes['/favicon.ico'] = () => void res.writeHead(204).end()
    for (const [path, body] of assets) {
      routes[path] = () => {
        res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Content-Length': body.length })
        res.end(req.method === 'HEAD' ? undefined : body)
      }
    }
    const route = routes[path ?? '']
    if (!route) return void res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found\n')
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return void res.writeHead(405, { Allow: 'GET, HEAD, OPTIONS', 'Content-Type': 'text/plain' }).end('Method not allowed\n')
    }
    route()
  }

  const refuse = (socket: Duplex, status: number, text: string) => {
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length + 1}\r\n\r\n${text}\n`)
    socket.destroy()
  }

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', (err) => log.debug(`upgrade socket: ${err.message}`))
    const verdict = checkRequest(policy, req)
    if (!verdict.ok) return refuse(socket, verdict.status, verdict.reason)
    const url = new URL(req.url ?? '/', 'http://peer.invalid')
    let name: string
    try {
      name = decodeURIComponent(url.pathname.slice(1))
    } catch {
      return refuse(socket, 404, 'Not Found')
    }
    if (!isServableRoom(name)) return refuse(socket, 404, 'Not Found')
    if (!rooms.rooms.has(name) && !rooms.getRoom(name)) return refuse(socket, 503, 'Service Unavailable')
    const peerParam = url.searchParams.get('peer')
    const peerId = peerParam && PEER_ID_RE.test(peerParam) && peerParam !== entry.id ? peerParam : null
    wss.handleUpgrade(req, socket, head, (ws) => {
      const room = rooms.getRoom(name)
      if (!room) return ws.close(1013, 'too many rooms')
      rooms.handleConnection(ws, room, { peerId })
    })
  }

  server.on('request', onRequest)
  server.on('upgrade', onUpgrade)

  const discoveries = config.mdns === 'off' ? [] : [new MdnsDiscovery({ scope: config.mdns, id: entry.id, port, log })]
  mesh = new Mesh({ self: entry, doc: rooms.directory.doc, registry, log, hostId, pingIntervalMs: opts.pingIntervalMs, discoveries })
  try {
    await mesh.start()
  } catch (err) {
    await mesh.stop().catch(() => {})
    rooms.close()
    server.close()
    throw err
  }

  let stopping: Promise<void> | null = null
  const stop = () =>
    (stopping ??= (async () => {
      await mesh!.stop()
      await rooms.drain(300)
      rooms.close()
      wss.close()
      server.closeAllConnections()
      await new Promise<void>((r) => server.close(() => r()))
    })())

  return { entry, url: entry.url, peers: () => directory.peers(), health, stop }
}
