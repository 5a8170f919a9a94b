/**
 * How many TCP connections a peer's server holds at once. Without a cap, ~20,000 idle connections (a
 * byte each, from any local process, no token needed) took every file descriptor: the peer could then
 * neither sweep servers.json nor write its rooms' files (EMFILE) until they went. Half the process's
 * descriptor limit (Node raises the soft limit to the hard one as it starts), and at most 4096: far
 * above what a mesh uses (a link per peer, a few sockets per page), with the other half left for files.
 *
 * At the cap, a new connection is let in by closing the one idle longest (no whole request head yet,
 * or kept alive between requests): a flood of idle connections, re-opened as SERVER_TIMEOUTS closes
 * them, only ever closes its own oldest, while a real client sends its request within a millisecond
 * of connecting and is busy, not idle, long before its turn. All loopback clients share 127.0.0.1, so
 * no per-address cap could tell them apart. With none idle, a connection busy for STALLED_MS without a
 * pause goes instead: a request being received is bounded by SERVER_TIMEOUTS, but one whose answer the
 * client stopped reading (too large for the socket buffers, or pipelined behind more) is bounded by
 * nothing else, and such clients could otherwise hold the cap for good. Only when every connection is
 * busy and none for that long (or upgraded: WebSockets, bounded by conn-slots.ts) is the new one closed.
 */
import { readFileSync } from 'node:fs'
import type { Server } from 'node:http'
import type { Socket } from 'node:net'
import { IdleConnections } from './idle-connections.js'

export const MAX_CONNECTIONS = 4096

/** The soft limit on open files in /proc/self/limits' text, or null. */
export const openFilesLimit = (limits: string): number | null => {
  const m = /^Max open files\s+(\d+|unlimited)\s/m.exec(limits)
  if (!m) return null
  return m[1] === 'unlimited' ? Infinity : Number(m[1])
}

export const connectionCap = (limits: string | null = readLimits()): number => {
  const files = limits === null ? null : openFilesLimit(limits)
  return files === null ? MAX_CONNECTIONS : Math.max(64, Math.min(MAX_CONNECTIONS, Math.floor(files / 2)))
}

const readLimits = (): string | null => {
  try {
    return readFileSync('/proc/self/limits', 'utf8')
  } catch {
    // Not Linux: the cap alone.
    return null
  }
}

/**
 * Node's http defaults give a connection 60 s to send its headers (an idle one included) and 300 s for
 * its whole request, which let a flood of idle or trickling connections hold the cap for minutes
 * after it stopped. A loopback client sends its request at once, and the largest body a peer takes
 * (POST /inbox, 128 KiB) needs milliseconds. A kept-alive connection between requests has Node's own
 * 5 s keepAliveTimeout; an upgraded WebSocket leaves these checks (keepalive.ts pings it instead).
 */
export const SERVER_TIMEOUTS = { headersTimeout: 5000, requestTimeout: 15_000, connectionsCheckingInterval: 1000 } as const

/**
 * How long a connection may be busy without a pause before, at the cap, it may be closed for a new one.
 * A peer's answers take milliseconds; as long as the whole-request deadline, so nothing a timeout
 * would have let finish is cut sooner.
 */
export const STALLED_MS = SERVER_TIMEOUTS.requestTimeout

/** Closes a socket that may still get an error from the network: the error goes nowhere. */
const drop = (socket: Socket): void => {
  socket.on('error', () => {})
  socket.destroy()
}

/**
 * One cap over a server's own listener and the listeners that hand it their sockets (an overflow
 * peer's range port, range-claim.ts): both reach 'connection', where the cap is kept. At the cap, the
 * connection idle longest is closed for the new one, else one stalled for `stalledMs`; only when there
 * is neither is the new one closed.
 */
export class ConnectionCap {
  /** Open connections, accepted and handed. One closed here leaves it at once, not at its 'close'. */
  private readonly sockets = new Set<Socket>()
  private readonly idle: IdleConnections
  /** Idle or stalled connections closed to make room (what a flood has cost). */
  evicted = 0

  constructor(
    readonly server: Server,
    readonly cap: number = connectionCap(),
    private readonly stalledMs: number = STALLED_MS
  ) {
    // Node closes a connection past maxConnections before 'connection', where no idle one could make
    // room: one above the cap lets the new one through to admit(), which keeps the cap. It stays as a
    // backstop for the own listener; the descriptors held are at most the cap plus the one being let in.
    server.maxConnections = cap + 1
    this.idle = new IdleConnections(server)
    server.on('connection', this.admit)
  }

  /** Serves `socket` (accepted elsewhere) on the server, under the same cap as its own connections. */
  hand = (socket: Socket): void => {
    this.server.emit('connection', socket)
  }

  /** Connections the server holds, accepted and handed. */
  get held(): number {
    return this.sockets.size
  }

  private admit = (socket: Socket): void => {
    if (this.sockets.size >= this.cap && !this.evictIdle()) return drop(socket)
    this.sockets.add(socket)
    this.idle.add(socket)
    socket.once('close', () => {
      this.sockets.delete(socket)
      this.idle.forget(socket)
    })
  }

  /** Closes the connection idle longest, else one stalled; false when every connection is busy, and lately. */
  private evictIdle(): boolean {
    const oldest = this.idle.oldest() ?? this.idle.stalled(this.stalledMs)
    if (!oldest) return false
    this.sockets.delete(oldest)
    this.idle.forget(oldest)
    drop(oldest)
    this.evicted++
    return true
  }
}
