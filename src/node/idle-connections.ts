/**
 * Which of an HTTP server's connections are idle, the one idle longest first: for the connection cap
 * (conn-cap.ts), which closes that one to make room when a new connection comes at the cap. Idle is a
 * connection that has not sent a whole request head yet, or a kept-alive one between requests. A
 * request makes its connection busy until its answer is done (pipelined ones are counted); an upgrade
 * takes the socket out of HTTP for good, so it is never idle again (conn-slots.ts bounds those). It also
 * knows which busy connections wait on their client (writes backed up: it stopped reading an answer too
 * large for the socket buffers, or pipelines ever more requests without reading), and which has been
 * busy longest without a pause (every answer a peer gives is done in milliseconds). No server timeout
 * ends either.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

export class IdleConnections {
  /** Requests not yet answered, by connection: every connection still spoken to over HTTP. */
  private readonly inFlight = new Map<Socket, number>()
  /** A Set keeps insertion order: the first is the one idle longest. */
  private readonly idle = new Set<Socket>()
  /** When each busy connection last became busy (performance.now()); in that order, as `idle`. */
  private readonly busySince = new Map<Socket, number>()

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
    this.busySince.delete(socket)
  }

  /** The connection idle longest, or undefined when every one is busy. */
  oldest(): Socket | undefined {
    return this.idle.values().next().value
  }

  /**
   * The connection busy longest whose answer is waiting on its client (its writes backed up past the
   * socket's buffer): a client that stopped reading. O(busy connections); asked only at the cap.
   */
  backedUp(): Socket | undefined {
    for (const socket of this.busySince.keys()) if (socket.writableNeedDrain) return socket
    return undefined
  }

  /** The connection busy longest, if it has been busy for `ms` or more without a pause. */
  stalled(ms: number): Socket | undefined {
    const first = this.busySince.entries().next().value
    return first && performance.now() - first[1] >= ms ? first[0] : undefined
  }

  private started(socket: Socket, res: ServerResponse): void {
    const n = this.inFlight.get(socket)
    if (n === undefined) return
    this.inFlight.set(socket, n + 1)
    this.idle.delete(socket)
    if (n === 0) this.busySince.set(socket, performance.now())
    // 'close' comes once per answer: after 'finish', or when the connection goes first.
    res.once('close', () => this.answered(socket))
  }

  private answered(socket: Socket): void {
    const n = this.inFlight.get(socket)
    if (n === undefined) return
    this.inFlight.set(socket, n - 1)
    if (n !== 1) return
    this.busySince.delete(socket)
    // Kept alive: idle from now, so it goes after the ones idle before it.
    if (!socket.destroyed) this.idle.add(socket)
  }
}
