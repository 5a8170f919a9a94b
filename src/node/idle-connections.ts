/**
 * Which of an HTTP server's connections are idle, the one idle longest first: for the connection cap
 * (conn-cap.ts), which closes that one to make room when a new connection comes at the cap. Idle is a
 * connection that has not sent a whole request head yet, or a kept-alive one between requests. A
 * request makes its connection busy until its answer is done (pipelined ones are counted); an upgrade
 * takes the socket out of HTTP for good, so it is never idle again (conn-slots.ts bounds those).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

export class IdleConnections {
  /** Requests not yet answered, by connection: every connection still spoken to over HTTP. */
  private readonly inFlight = new Map<Socket, number>()
  /** A Set keeps insertion order: the first is the one idle longest. */
  private readonly idle = new Set<Socket>()

  /**
   * Told before the server's own handlers (prepended), so an answer ended at once is still seen.
   * An 'upgrade' listener makes Node hand every Upgrade request to its listeners instead of answering
   * it as a plain request: the server must have a handler that answers each (peer-http.ts does).
   */
  constructor(server: Server) {
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => this.started(req.socket as Socket, res))
    server.prependListener('upgrade', (req: IncomingMessage) => this.forget(req.socket as Socket))
  }

  /** A new connection: idle until its first request. */
  add(socket: Socket): void {
    this.inFlight.set(socket, 0)
    this.idle.add(socket)
  }

  /** A connection closed, or upgraded: no longer one to close for room. */
  forget(socket: Socket): void {
    this.inFlight.delete(socket)
    this.idle.delete(socket)
  }

  /** The connection idle longest, or undefined when every one is busy. */
  oldest(): Socket | undefined {
    return this.idle.values().next().value
  }

  private started(socket: Socket, res: ServerResponse): void {
    const n = this.inFlight.get(socket)
    if (n === undefined) return
    this.inFlight.set(socket, n + 1)
    this.idle.delete(socket)
    // 'close' comes once per answer: after 'finish', or when the connection goes first.
    res.once('close', () => this.answered(socket))
  }

  private answered(socket: Socket): void {
    const n = this.inFlight.get(socket)
    if (n === undefined) return
    this.inFlight.set(socket, n - 1)
    // Kept alive: idle from now, so it goes after the ones idle before it.
    if (n === 1 && !socket.destroyed) this.idle.add(socket)
  }
}
