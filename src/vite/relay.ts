/**
 * The plugin's relay: `<base>/peer/<port>/health|registry` (HTTP) and `<base>/peer/<port>/<room>`
 * (WebSocket) on the dev server's origin, forwarded to the loopback peer on that port. Only ports the
 * followed directory lists are reached, and a WebSocket is piped only once the port has switched
 * protocols, so this is no open proxy. The relay strips the page's Origin and
 * cookies and sends the peer's own origin instead (a mesh origin, and the mark of a browser client that
 * reads close codes); the access token, if the page shows one, passes through untouched. What comes
 * back is held to a peer's shape too, whatever the port behind it is: JSON for HTTP, and for an
 * upgrade only the handshake's own headers of the 101.
 */
import { get, type IncomingMessage, type ServerResponse } from 'node:http'
import { pipeline } from 'node:stream'
import { connect, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { isProofNonce, PROOF_PARAM } from '../shared/peer-proof.js'

export interface RelayTarget {
  /** Is a peer of the mesh serving on this loopback port? */
  servesPort(port: number): boolean
}

/** `<base>/peer/<port><rest>` -> port and rest, or null for any other path. */
export const relayPath = (base: string, url: string): { port: number; rest: string } | null => {
  const m = /^\/peer\/(\d{1,5})(\/[^?#]*)?(\?[^#]*)?$/.exec(url.startsWith(base) ? url.slice(base.length) : '')
  if (!m) return null
  return { port: Number(m[1]), rest: `${m[2] ?? '/'}${m[3] ?? ''}` }
}

const HTTP_PATHS = new Set(['/health', '/registry'])

const JSON_ONLY = { 'Content-Type': 'application/json', 'X-Content-Type-Options': 'nosniff', 'Content-Security-Policy': "sandbox; default-src 'none'", 'Cache-Control': 'no-store' }

/**
 * Answers an upgrade the plugin will not relay. The socket was handed over with no 'error' listener
 * (Node removes its own on upgrade), and a client that resets it while the answer is written raised
 * an ECONNRESET nobody heard: an uncaught error that ended the dev server.
 */
export const refuseUpgrade = (socket: Duplex, status: string, why: string): void => {
  socket.on('error', () => socket.destroy())
  if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\nX-Peer-Plan-Error: ${why}\r\n\r\n`)
}

/**
 * The one query a peer's /health and /registry take: a page's nonce asking for the peer's proof of
 * the key (shared/peer-proof.ts). Passed on as is; any other query is dropped, as before. The peer
 * proves it for `http://127.0.0.1:<port>` (the Host the relay sends), the peer's URL in the entries.
 */
const proofQuery = (query: string): boolean => query.startsWith(`?${PROOF_PARAM}=`) && isProofNonce(query.slice(PROOF_PARAM.length + 2))

/** GET/HEAD of a peer's /health or /registry, answered as the peer answered. */
export const relayHttp = (req: IncomingMessage, res: ServerResponse, port: number, rest: string): void => {
  const q = rest.indexOf('?')
  const [path, query] = q === -1 ? [rest, ''] : [rest.slice(0, q), rest.slice(q)]
  if (!HTTP_PATHS.has(path)) return void res.writeHead(404, { 'Content-Type': 'text/plain' }).end('peer-plan relays /health and /registry only\n')
  if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { Allow: 'GET, HEAD' }).end()
  const upstream = get({ host: '127.0.0.1', port, path: proofQuery(query) ? `${path}${query}` : path, method: req.method, headers: { Origin: `http://127.0.0.1:${port}` }, timeout: 3000 }, (answer) => {
    // Node's client takes a status line of 000 (statusCode 0), which writeHead would throw on, in this
    // callback, ending the dev server: anything that is no HTTP status is a bad gateway.
    const status = answer.statusCode ?? 0
    if (status < 100 || status > 599) {
      answer.destroy()
      return void res.writeHead(502, { 'Content-Type': 'text/plain', 'X-Peer-Plan-Error': `peer on port ${port}: status ${status}` }).end()
    }
    // A peer answers both paths with JSON. Whatever a listed port says, the page's origin serves JSON
    // that no browser sniffs or runs: a port's HTML here would be script on the dev server's origin.
    res.writeHead(status, JSON_ONLY)
    // pipeline, not pipe: a port that dies mid-answer must end the client's answer, not leave it open.
    pipeline(answer, res, () => {})
  })
  upstream.on('timeout', () => upstream.destroy(new Error('timeout')))
  upstream.on('error', (err) => {
    if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain', 'X-Peer-Plan-Error': `peer on port ${port}: ${err.message}` }).end()
    else res.destroy()
  })
}

/** Headers a WebSocket handshake needs, and nothing of the page's (no cookies, no Origin). */
const FORWARDED = ['sec-websocket-key', 'sec-websocket-version', 'sec-websocket-protocol']

/**
 * What of a 101 reaches the page: the handshake's own headers. Anything else is the port's to say, not
 * a peer's: a Set-Cookie, say, would land on the dev server's host (cookies ignore the port).
 */
const SWITCH_HEADERS = new Set(['upgrade', 'connection', 'sec-websocket-accept', 'sec-websocket-protocol'])

/** The largest answer head read from a port before it has switched protocols. */
const MAX_HEAD = 16 * 1024

/** How long a port may take, from the connection, to switch protocols; then the client gets a 504. */
export const HANDSHAKE_MS = 10_000

/** A 101's status line and its handshake headers; every other line dropped. */
const switchedHead = (head: string): string => {
  const [status, ...lines] = head.split('\r\n')
  const kept = lines.filter((line) => SWITCH_HEADERS.has(/^([A-Za-z0-9-]+):/.exec(line)?.[1]?.toLowerCase() ?? ''))
  return `${[status, ...kept].join('\r\n')}\r\n\r\n`
}

/**
 * Pipes the two sockets once the port has answered the upgrade with 101, as a peer does for a room or
 * the directory (a refusal a page must read comes as a close code after it). Any other answer is no
 * peer-plan room: the client gets a 502, never what that service said, and no raw tunnel to it.
 */
const pipeOnceSwitched = (upstream: Socket, socket: Duplex, early: Buffer, switched: () => void): void => {
  let buffered = Buffer.alloc(0)
  const refuse = () => {
    upstream.off('data', onData)
    if (socket.writable) socket.end('HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
    upstream.destroy()
  }
  const onData = (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk])
    const end = buffered.indexOf('\r\n\r\n')
    if (end === -1) return void (buffered.length > MAX_HEAD && refuse())
    if (!/^HTTP\/1\.1 101 /.test(buffered.subarray(0, 16).toString('latin1'))) return refuse()
    upstream.off('data', onData)
    switched()
    socket.write(switchedHead(buffered.subarray(0, end).toString('latin1')))
    if (buffered.length > end + 4) socket.write(buffered.subarray(end + 4))
    // The client's bytes that came with its request go on only now: written before the 101, they were
    // a second request to whatever listens there (any method, path, header and body), past every rule.
    if (early.length) upstream.write(early)
    socket.pipe(upstream)
    upstream.pipe(socket)
  }
  upstream.on('data', onData)
}

/** The client's socket and the peer's, piped both ways; each pair is closed with the server. */
export class WsRelay {
  private readonly pairs = new Set<[Duplex, Socket]>()
  private readonly handshakeMs: number

  constructor(opts: { handshakeMs?: number } = {}) {
    this.handshakeMs = opts.handshakeMs ?? HANDSHAKE_MS
  }

  handle(req: IncomingMessage, socket: Duplex, head: Buffer, port: number, rest: string): void {
    const upstream = connect({ host: '127.0.0.1', port })
    const pair: [Duplex, Socket] = [socket, upstream]
    this.pairs.add(pair)
    let answered = false
    const end = () => {
      clearTimeout(deadline)
      this.pairs.delete(pair)
      socket.destroy()
      upstream.destroy()
    }
    // A port that takes the connection and never answers held both sockets for as long as the client
    // waited (a browser's handshake has no deadline of its own).
    const deadline = setTimeout(() => {
      answered = true
      if (!socket.writable) return end()
      socket.end('HTTP/1.1 504 Gateway Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n', end)
    }, this.handshakeMs)
    upstream.once('data', () => (answered = true))
    upstream.on('error', () => {
      if (!answered && socket.writable) socket.end(`HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
      end()
    })
    socket.on('error', end)
    upstream.on('close', end)
    socket.on('close', end)
    upstream.on('connect', () => {
      const lines = [`GET ${rest} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Upgrade: websocket', 'Connection: Upgrade', `Origin: http://127.0.0.1:${port}`]
      for (const name of FORWARDED) {
        const v = req.headers[name]
        if (typeof v === 'string') lines.push(`${name}: ${v}`)
      }
      upstream.setNoDelay(true)
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`)
      pipeOnceSwitched(upstream, socket, head, () => clearTimeout(deadline))
    })
  }

  closeAll(): void {
    for (const [a, b] of [...this.pairs]) (a.destroy(), b.destroy())
    this.pairs.clear()
  }
}
