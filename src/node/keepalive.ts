/**
 * The one WebSocket keepalive, for the room server's inbound connections and the mesh's outbound
 * directory links. Each watched socket is pinged every interval; two missed pongs in a row (one can be a
 * busy event loop on a loaded machine) cut it with terminate(), which fires its 'close' and so whatever
 * liveness check hangs off that. One timer serves every socket, and it runs only while some socket is
 * watched: an idle peer holds no keepalive timer.
 *
 * A browser answers pings without telling the page, and y-websocket's client closes a connection that
 * brought no message for 30 s (its messageReconnectTimeout). A client with an awareness state hears its
 * own renewal come back every 15 s; one without (a page following the directory, whose awareness is
 * not relayed, or a room opened with presence: false) hears nothing on a quiet doc, so every page
 * dropped its peer and failed over every 30 s. A client's socket is given a `nudge`, a frame the client
 * reads as traffic and that changes nothing, sent every NUDGE_MS. Peer links need none: Node's ws sees
 * the pings.
 */
import type { WebSocket } from 'ws'

/** Well inside y-websocket's 30 s, with room for a busy peer or page. */
export const NUDGE_MS = 10_000

interface Watched {
  since: number
  nudge: Uint8Array | null
  nudgedAt: number
  alive: boolean
  missed: number
  onDead: () => void
  onPong: () => void
}

export class Keepalive {
  private readonly sockets = new Map<WebSocket, Watched>()
  private timer: NodeJS.Timeout | null = null

  constructor(
    private readonly intervalMs: number,
    private readonly nudgeMs = NUDGE_MS
  ) {}

  /**
   * Starts pinging ws; `onDead` runs once, just before the socket is terminated for missing pongs.
   * `nudge`, if given, is sent every NUDGE_MS (see above).
   */
  watch(ws: WebSocket, onDead: () => void = () => {}, nudge: Uint8Array | null = null): void {
    if (this.sockets.has(ws)) return
    const now = Date.now()
    const w: Watched = { since: now, nudge, nudgedAt: now, alive: true, missed: 0, onDead, onPong: () => (w.alive = true) }
    ws.on('pong', w.onPong)
    ws.once('close', () => this.unwatch(ws))
    this.sockets.set(ws, w)
    this.timer ??= setInterval(() => this.tick(), this.intervalMs).unref()
  }

  unwatch(ws: WebSocket): void {
    const w = this.sockets.get(ws)
    if (!w) return
    ws.off('pong', w.onPong)
    this.sockets.delete(ws)
    if (this.sockets.size === 0 && this.timer) {
      clearInterval(this.timer)
      this.timer = null
    }
  }

  get size(): number {
    return this.sockets.size
  }

  private tick(): void {
    const now = Date.now()
    for (const [ws, w] of this.sockets) {
      // A socket watched since the last tick waits for the next: its first ping goes out at least one
      // interval after it opened, as with a timer of its own, so a busy start does not count against it.
      if (now - w.since < this.intervalMs) continue
      w.missed = w.alive ? 0 : w.missed + 1
      if (w.missed >= 2) {
        this.unwatch(ws)
        w.onDead()
        ws.terminate()
        continue
      }
      w.alive = false
      try {
        ws.ping()
        if (w.nudge && now - w.nudgedAt >= this.nudgeMs) {
          w.nudgedAt = now
          ws.send(w.nudge)
        }
      } catch {
        this.unwatch(ws)
        ws.terminate()
      }
    }
  }

  close(): void {
    for (const ws of [...this.sockets.keys()]) this.unwatch(ws)
  }
}
