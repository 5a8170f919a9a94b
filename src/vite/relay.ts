/**
 * The plugin's relay: `<base>/peer/<port>/health|registry` (HTTP) and `<base>/peer/<port>/<room>`
 * (WebSocket) on the dev server's origin, forwarded to the loopback peer on that port. Only ports the
 * followed directory lists are reached, and a WebSocket is piped only once the port has switched
 * protocols, so this is no open proxy. The relay strips the page's Origin and
 * cookies and sends the peer's own origin instead (a mesh origin, and the mark of a browser client that
 * reads close codes); the access token, if the page shows one, passes through untouched.
 */
import { get, type IncomingMessage, type ServerResponse } from 'node:http'
import { connect, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'

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

/** GET/HEAD of a peer's /health or /registry, answered as the peer answered. */
export const relayHttp = (req: IncomingMessage, res: ServerResponse, port: number, rest: string): void => {
  const path = rest.split('?')[0]!
  if (!HTTP_PATHS.has(path)) return void res.writeHead(404, { 'Content-Type': 'text/plain' }).end('peer-plan relays /health and /registry only\n')
  if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { Allow: 'GET, HEAD' }).end()
  const upstream = get({ host: '127.0.0.1', port, path, method: req.method, headers: { Origin: `http://127.0.0.1:${port}` }, timeout: 3000 }, (answer) => {
    // Node's client takes a status line of 000 (statusCode 0), which writeHead would throw on, in this
    // callback, ending the dev server: anything that is no HTTP status is a bad gateway.
    const status = answer.statusCode ?? 0
    if (status < 100 || status > 599) {
      answer.destroy()
      return void res.writeHead(502, { 'Content-Type': 'text/plain', 'X-Peer-Plan-Error': `peer on port ${port}: status ${status}` }).end()
    }
    res.writeHead(status, { 'Content-Type': answer.headers['content-type'] ?? 'text/plain', 'Cache-Control': 'no-store' })
    answer.pipe(res)
  })
  upstream.on('timeout', () => upstream.destroy(new Error('timeout')))
  upstream.on('error', (err) => {
    if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain', 'X-Peer-Plan-Error': `peer on port ${port}: ${err.message}` }).end()
    else res.destroy()
  })
}

/** Headers a WebSocket handshake needs, and nothing of the page's (no cookies, no Origin). */
const FORWARDED = ['sec-websocket-key', 'sec-websocket-version', 'sec-websocket-protocol']

/** The largest answer head read from a port before it has switched protocols. */
const MAX_HEAD = 16 * 1024

/**
 * Pipes the two sockets once the port has answered the upgrade with 101, as a peer does for a room or
 * the directory (a refusal a page must read comes as a close code after it). Any other answer is no
 * peer-plan room: the client gets a 502, never what that service said, and no raw tunnel to it.
 */
const pipeOnceSwitched = (upstream: Socket, socket: Duplex): void => {
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
    socket.write(buffered)
    socket.pipe(upstream)
    upstream.pipe(socket)
  }
  upstream.on('data', onData)
}

/** The client's socket and the peer's, piped both ways; each pair is closed with the server. */
export class WsRelay {
  private readonly pairs = new Set<[Duplex, Socket]>()

  handle(req: IncomingMessage, socket: Duplex, head: Buffer, port: number, rest: string): void {
    const upstream = connect({ host: '127.0.0.1', port })
    const pair: [Duplex, Socket] = [socket, upstream]
    this.pairs.add(pair)
    let answered = false
    const end = () => {
      this.pairs.delete(pair)
      socket.destroy()
      upstream.destroy()
    }
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
      if (head.length) upstream.write(head)
      pipeOnceSwitched(upstream, socket)
    })
  }

  closeAll(): void {
    for (const [a, b] of [...this.pairs]) (a.destroy(), b.destroy())
    this.pairs.clear()
  }
}
