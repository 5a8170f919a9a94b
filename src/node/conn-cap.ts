/**
 * How many TCP connections a peer's server holds at once. Without a cap, ~20,000 idle connections (a
 * byte each, from any local process, no token needed) took every file descriptor: the peer could then
 * neither sweep servers.json nor write its rooms' files (EMFILE) until they went. Half the process's
 * descriptor limit (Node raises the soft limit to the hard one as it starts), and at most 4096: far
 * above what a mesh uses (a link per peer, a few sockets per page), with the other half left for files.
 *
 * At the cap, a new connection is let in by closing another, a client's that is doing no good first:
 * 1. one whose answer waits on its client (writes backed up: it stopped reading an answer too large for
 *    the socket buffers, or pipelines more behind it), busy longest first;
 * 2. one busy for STALLED_MS without a pause (a peer's answers take milliseconds);
 * 3. the one idle longest (no whole request head yet, or kept alive between requests).
 * A flood of idle connections, re-opened as SERVER_TIMEOUTS closes them, so only ever closes its own
 * oldest, while a real client sends its request within a millisecond of connecting. Backed-up ones go
 * before idle ones: a client that reopens what the cap closes as fast as it can would otherwise have
 * each new connection of its own close a real client's before that one's request was read (the red
 * team's run: 120 of 298 requests to /health refused while it held the cap with unread answers; none
 * once those went first). SERVER_TIMEOUTS bounds a request being received, but nothing else bounds an
 * answer the client does not read. All loopback clients share 127.0.0.1, so no per-address cap could
 * tell them apart. Only when every connection is busy on the peer's side, and not for that long, or
 * upgraded (WebSockets, bounded by conn-slots.ts), is the new one closed.
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

/**
 * At most one log line per this many ms says the cap was hit: a flood would otherwise write one per
 * connection it opens. Each line carries the totals; `/health` with the token has them at any time.
 */
export const NOTICE_MS = 10_000

/** Closes a socket that may still get an error from the network: the error goes nowhere. */
const drop = (socket: Socket): void => {
  socket.on('error', () => {})
  socket.destroy()
}

export interface ConnectionCapOptions {
  /** Default connectionCap(): half the open-files limit, at most MAX_CONNECTIONS. */
  cap?: number
  /** Default STALLED_MS. */
  stalledMs?: number
  /** Where the line that the cap was hit goes (the peer's log), at most once per NOTICE_MS. */
  warn?: (line: string) => void
}

/**
 * One cap over a server's own listener and the listeners that hand it their sockets (an overflow
 * peer's range port, range-claim.ts): both reach 'connection', where the cap is kept. At the cap, one
 * whose client does not read its answer is closed for the new one, else one stalled for `stalledMs`,
 * else the one idle longest; only when there is none of those is the new one closed.
 */
export class ConnectionCap {
  /** Open connections, accepted and handed. One closed here leaves it at once, not at its 'close'. */
  private readonly sockets = new Set<Socket>()
  private readonly idle: IdleConnections
  /** Connections closed to make room (what a flood has cost). */
  evicted = 0
  /** New connections closed because none could make room. */
  refused = 0
  private lastNotice = -Infinity
  readonly cap: number
  private readonly stalledMs: number
  private readonly warn: ((line: string) => void) | null

  constructor(
    readonly server: Server,
    opts: ConnectionCapOptions = {}
  ) {
    this.cap = opts.cap ?? connectionCap()
    this.stalledMs = opts.stalledMs ?? STALLED_MS
    this.warn = opts.warn ?? null
    // Node closes a connection past maxConnections before 'connection', where no idle one could make
    // room: one above the cap lets the new one through to admit(), which keeps the cap. It stays as a
    // backstop for the own listener; the descriptors held are at most the cap plus the one being let in.
    server.maxConnections = this.cap + 1
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
    if (this.sockets.size >= this.cap && !this.makeRoom()) {
      this.refused++
      this.notice()
      return drop(socket)
    }
    this.sockets.add(socket)
    this.idle.add(socket)
    socket.once('close', () => {
      this.sockets.delete(socket)
      this.idle.forget(socket)
    })
  }

  /** Closes a connection backed up, else stalled, else idle longest; false when there is none. */
  private makeRoom(): boolean {
    const oldest = this.idle.backedUp() ?? this.idle.stalled(this.stalledMs) ?? this.idle.oldest()
    if (!oldest) return false
    this.sockets.delete(oldest)
    this.idle.forget(oldest)
    drop(oldest)
    this.evicted++
    this.notice()
    return true
  }

  private notice(): void {
    const now = performance.now()
    if (!this.warn || now - this.lastNotice < NOTICE_MS) return
    this.lastNotice = now
    this.warn(
      `at the connection cap (${this.cap}); since start, closed to make room: ${this.evicted}, refused: ${this.refused} (a flood of connections from a local process, or a client that does not read its answers; said at most every ${NOTICE_MS / 1000} s)`
    )
  }
}
