/**
 * A page's read-only follower of one peer's directory room: one WebSocket that speaks y-websocket's
 * wire protocol (shared/wire.ts, as the peers do) and nothing more.
 *
 * Why not y-websocket's WebsocketProvider, which the page's rooms use: on the directory a page only
 * reads, and the provider's extras are for writers or are already the Mesh's job. Its awareness, the
 * step 1 it sends on open and its update encoder do nothing for a reader (a peer pushes a reader the
 * whole directory as it connects, room-server.ts, and drops what a reader writes). Its reconnect loop
 * and its 30 s silence timeout are the Mesh's failover and /health heartbeat. Building it and running
 * its open handler cost a fresh page's live attach 0.4 ms (registry join) and 1.4 ms (cached join) in an
 * interleaved A/B of 40 fresh pages each.
 */
import type * as Y from 'yjs'
import { handleMessage, isSyncStepTwo, WireError, type WireContext } from '../shared/wire.js'
import { abandonSocket } from './abandon-socket.js'
import type { OpenDirectory } from './discovery/head-start.js'

export interface ReaderHooks {
  /** The first sync step 2 is applied: the doc holds the peer's whole directory. */
  onSynced(): void
  /**
   * The connection is over, before or after the sync: closed by the peer (`code`, e.g. 4401 for a
   * refused token), failed, or cut by this reader over a frame it could not read (`code` null).
   */
  onClosed(code: number | null, why: string): void
}

export class DirectoryReader {
  private readonly ws: WebSocket
  private ctx: WireContext | null = null
  private over = false
  private failed: Error | null = null
  /** An adopted socket's frames and close that came before `readInto`. */
  private handed: OpenDirectory | null
  synced = false

  /**
   * Opens the socket (`url`), or takes over one a join's head start opened and read the list from;
   * `readInto` must follow in the same task (a frame comes a task later at the soonest).
   */
  constructor(url: string | OpenDirectory, protocols: string[], private readonly hooks: ReaderHooks) {
    this.handed = typeof url === 'string' ? null : url
    const ws = typeof url === 'string' ? new WebSocket(url, protocols) : url.ws
    ws.binaryType = 'arraybuffer'
    ws.onmessage = (event: MessageEvent) => this.receive(event.data)
    ws.onclose = (event: CloseEvent) => this.end(event.code, event.reason || 'closed')
    // A failed connection also closes (with 1006): onclose says it once, with the code.
    ws.onerror = () => {}
    this.ws = ws
  }

  /**
   * The doc the directory is read into. Given after the socket is opened, so that a caller can build
   * the doc while the handshake is under way.
   */
  readInto(doc: Y.Doc): void {
    // Updates it applies carry the reader as their origin; the page never writes this doc.
    this.ctx = { doc, awareness: null, origin: this, updateFailed: (err) => (this.failed = err) }
    const handed = this.handed
    this.handed = null
    if (!handed) return
    for (const frame of handed.frames) this.receive(frame)
    if (handed.closed) this.end(handed.closed.code, handed.closed.reason || 'closed')
  }

  private receive(data: unknown): void {
    if (this.over) return
    if (!this.ctx) return this.cut('a frame before the reader had a doc')
    if (!(data instanceof ArrayBuffer)) return this.cut('a text frame')
    const frame = new Uint8Array(data)
    try {
      // A reply (to a step 1 a reader is never sent) would go nowhere: a reader writes nothing.
      handleMessage(this.ctx, frame)
    } catch (err) {
      return this.cut(err instanceof WireError ? err.message : String(err))
    }
    // The doc may now lack what the peer holds: another peer's directory is the way on.
    if (this.failed) return this.cut(`an update that does not apply: ${this.failed.message}`)
    if (!this.synced && isSyncStepTwo(frame)) {
      this.synced = true
      this.hooks.onSynced()
    }
  }

  /** A frame this reader cannot read: the peer is not speaking the protocol, so the connection ends. */
  private cut(why: string): void {
    this.close()
    this.end(null, why)
  }

  private end(code: number | null, why: string): void {
    if (this.over) return
    this.over = true
    this.hooks.onClosed(code, why)
  }

  private close(): void {
    abandonSocket(this.ws)
  }

  /** Ends the connection without telling the hooks. */
  destroy(): void {
    this.over = true
    this.close()
  }
}
