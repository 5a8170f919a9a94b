/**
 * How many TCP connections a peer's server holds at once; Node closes a new one at once past it.
 * Without a cap, ~20,000 idle connections (a byte each, from any local process, no token needed) took
 * every file descriptor: the peer could then neither sweep servers.json nor write its rooms' files
 * (EMFILE) until they went. Half the process's descriptor limit (Node raises the soft limit to the
 * hard one as it starts), and at most 4096: far above what a mesh uses (a link per peer, a few
 * sockets per page), with the other half left for files. A flood still keeps new clients out while
 * it lasts; all loopback clients share 127.0.0.1, so no per-address cap could tell them apart; what
 * bounds it is SERVER_TIMEOUTS: a connection that sends no request is closed after a few seconds.
 */
import { readFileSync } from 'node:fs'
import type { Server } from 'node:http'
import type { Socket } from 'node:net'

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
 * One cap over a server's own listener and the listeners that hand it their sockets (an overflow
 * peer's range port, range-claim.ts). Node counts a server's accepted connections against its
 * maxConnections but not the sockets handed to it, so each listener alone would have held the cap.
 */
export class ConnectionCap {
  private handed = 0
  private open = 0

  constructor(
    readonly server: Server,
    readonly cap: number = connectionCap()
  ) {
    server.maxConnections = cap
    // 'connection' is told for accepted and handed sockets alike; Node's own refusals never reach it.
    server.on('connection', (socket: Socket) => {
      this.open++
      socket.once('close', () => this.open--)
    })
  }

  /** Serves `socket` (accepted elsewhere) on the server, or destroys it when the cap is reached. */
  hand = (socket: Socket): void => {
    if (this.open >= this.cap) return void socket.destroy()
    this.handed++
    this.server.maxConnections = this.ownShare()
    socket.once('close', () => {
      this.handed--
      this.server.maxConnections = this.ownShare()
    })
    this.server.emit('connection', socket)
  }

  /**
   * What the server's own listener may hold besides the handed sockets. Never 0, which Node reads as no
   * limit at all: with every slot handed, the own listener may still take one (the cap plus one).
   */
  private ownShare(): number {
    return Math.max(1, this.cap - this.handed)
  }

  /** Connections the server holds, accepted and handed. */
  get held(): number {
    return this.open
  }
}
