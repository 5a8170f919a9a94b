/**
 * Who may talk to a peer. Host must name this peer on a loopback name (a DNS-rebinding page sends its
 * own hostname); Origin, when a browser sends one, must be one of the mesh's loopback origins or an
 * origin the user allowed. Exact string matches only: look-alikes such as http://localhost.evil:1234
 * and the opaque origin "null" are refused.
 */
import { isIP } from 'node:net'
import type { IncomingMessage, ServerResponse } from 'node:http'

export interface AccessPolicy {
  hostAllowed(host: string | undefined): boolean
  /** 'absent' (no Origin header: not a browser cross-origin request), 'allowed' or 'refused'. */
  origin(origin: string | undefined): 'absent' | 'allowed' | 'refused'
  /** The peer now serves on this port too (an overflow peer that took a range port): Host and Origin accept it. */
  addPort(port: number): void
  /** Whether `host`, which the Host check took, names the socket a request came in on: only then is it proved (hostNamesSocket). */
  namesSocket(host: string, socket: SocketAddress): boolean
  /** Tells the user once per origin (at most MAX_REFUSED_LOGGED of them) how to let that page in. */
  noteRefused(origin: string): void
}

/** Refused origins remembered for the once-per-origin log line; past this many, one last line says so. */
export const MAX_REFUSED_LOGGED = 64

const loopbackOrigins = (port: number): string[] => [`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`]

export interface PolicyOptions {
  port: number
  bindHost: string
  ports: [number, number]
  allowOrigins: string[]
  /** More names for this peer in Host (lan scope: its interface addresses). */
  extraHosts?: string[]
  /** A further check for http://<IPv4 or localhost>:<port> origins: the origins of peers in the directory. */
  originAllowed?: (origin: URL) => boolean
  /** Where the once-per-origin line about a refused origin goes (the peer's info log). */
  info?: (line: string) => void
  /** Ports on which `localhost` reaches this peer alone (family-guard.ts); none if not given. */
  localhostHeld?: (port: number) => boolean
}

/** A refused page names the origin it came from; printable ASCII only, clipped, so a log line stays one line. */
const printable = (s: string): string => s.replace(/[^\x20-\x7e]/g, '?').slice(0, 200)

const refusedOriginLog = (info: (line: string) => void): ((origin: string) => void) => {
  const seen = new Set<string>()
  return (origin) => {
    if (seen.has(origin) || seen.size > MAX_REFUSED_LOGGED) return
    seen.add(origin)
    if (seen.size > MAX_REFUSED_LOGGED) return info(`refused more than ${MAX_REFUSED_LOGGED} origins; not logging further ones`)
    const o = printable(origin)
    info(`refused a page from origin ${o}: to let it in, start the peers with --allow-origin ${o} (or serve the page with the Vite plugin peer-plan/vite)`)
  }
}

export const createAccessPolicy = (opts: PolicyOptions): AccessPolicy => {
  const hosts = new Set<string>()
  const origins = new Set<string>(opts.allowOrigins)
  for (let p = opts.ports[0]; p <= opts.ports[1]; p++) loopbackOrigins(p).forEach((o) => origins.add(o))
  const addPort = (port: number): void => {
    for (const h of ['127.0.0.1', 'localhost', '[::1]', ...(opts.extraHosts ?? [])]) hosts.add(`${h.toLowerCase()}:${port}`)
    hosts.add(`${opts.bindHost.includes(':') ? `[${opts.bindHost}]` : opts.bindHost}:${port}`)
    loopbackOrigins(port).forEach((o) => origins.add(o))
  }
  addPort(opts.port)
  return {
    noteRefused: opts.info ? refusedOriginLog(opts.info) : () => {},
    hostAllowed: (host) => host !== undefined && hosts.has(host.toLowerCase()),
    origin: (origin) => {
      if (origin === undefined) return 'absent'
      if (origins.has(origin)) return 'allowed'
      return opts.originAllowed && lanOriginShape(origin, opts) ? 'allowed' : 'refused'
    },
    addPort,
    namesSocket: (host, socket) => hostNamesSocket(host, socket, opts.localhostHeld ?? (() => false))
  }
}

/**
 * Only exactly http://<IPv4 or localhost>:<port> reaches the extra check; anything else is refused. The
 * shape lets through what URL cannot parse (an octet over 255, a port over 65535): refused as well.
 */
const lanOriginShape = (origin: string, opts: PolicyOptions): boolean => {
  if (!/^http:\/\/(?:\d{1,3}(?:\.\d{1,3}){3}|localhost):\d{1,5}$/.test(origin) || !URL.canParse(origin)) return false
  return opts.originAllowed!(new URL(origin))
}

export type Verdict = { ok: true } | { ok: false; status: number; reason: string; headers?: Record<string, string>; originRefused?: boolean }

/** The header that tells a refused page (and MeshDiscoveryError) that its origin was the reason. */
export const REFUSED_HEADER = 'X-Peer-Plan-Refused'

/**
 * A refused origin's answer carries CORS headers, so the page reads a 403 that says why instead of
 * "Failed to fetch". `*`, not the origin echoed: the page sends no credentials, and the answer holds
 * nothing but the refusal (it tells a page that a peer listens here, which a timing probe tells too).
 */
const ORIGIN_REFUSAL = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': REFUSED_HEADER, [REFUSED_HEADER]: 'origin', Vary: 'Origin' }

export const checkRequest = (policy: AccessPolicy, req: IncomingMessage): Verdict => {
  if (!policy.hostAllowed(req.headers.host)) return { ok: false, status: 403, reason: 'Host not allowed' }
  if (policy.origin(req.headers.origin) === 'refused') {
    policy.noteRefused(req.headers.origin!)
    return { ok: false, status: 403, reason: 'Origin not allowed: start the peer with --allow-origin <this page\'s origin>, or use the Vite plugin peer-plan/vite', headers: ORIGIN_REFUSAL, originRefused: true }
  }
  return { ok: true }
}

/** CORS for an allowed Origin; Vary: Origin always, since the answer depends on it. */
export const setCorsHeaders = (policy: AccessPolicy, req: IncomingMessage, res: ServerResponse): void => {
  res.setHeader('Vary', 'Origin')
  const origin = req.headers.origin
  if (origin !== undefined && policy.origin(origin) === 'allowed') res.setHeader('Access-Control-Allow-Origin', origin)
}

export const answerPreflight = (req: IncomingMessage, res: ServerResponse): void => {
  res.writeHead(204, {
    'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
    // Authorization: the dashboard reads each peer's /events with the access token, as a Bearer header.
    'Access-Control-Allow-Headers': 'Content-Type, Authorization',
    'Access-Control-Allow-Private-Network': 'true',
    'Access-Control-Max-Age': '600',
    'Content-Length': '0'
  })
  res.end()
}

/** Where a request came in: its socket's local address and port. */
export interface SocketAddress {
  localAddress?: string | undefined
  localPort?: number | undefined
}

/**
 * Whether `host` names the address and port the request came in on. The Host check takes every loopback
 * spelling of every port the peer serves, bound or not, so a process without the key on [::1]:P (the
 * peer bound on 127.0.0.1:P) could pass a page's nonce on with the page's Host and hand back a proof for
 * its own address (and a peer link's proof likewise, access.ts). An IP must be the socket's own.
 * `localhost` can mean ::1 or 127.0.0.1, so it binds only the port, and is taken only where
 * `localhostHeld(port)`: the peer holds both families of it (family-guard.ts). Another name (a .local
 * name in lan scope) binds only the port.
 */
export const hostNamesSocket = (host: string, socket: SocketAddress, localhostHeld: (port: number) => boolean): boolean => {
  const m = /^(\[[^\]]*\]|[^:]*):(\d+)$/.exec(host)
  if (!m || Number(m[2]) !== socket.localPort) return false
  const name = m[1]!.replace(/^\[(.*)\]$/, '$1').toLowerCase()
  if (name === 'localhost') return localhostHeld(socket.localPort)
  // A dual-stack socket shows an IPv4 peer's address as ::ffff:a.b.c.d.
  return isIP(name) === 0 || name === (socket.localAddress ?? '').replace(/^::ffff:(?=\d+\.)/, '')
}
