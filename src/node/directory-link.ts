/**
 * One outbound connection from this peer to another peer's directory room, or to one of its rooms (a
 * room link, room-links.ts): a y-websocket client for one doc, authenticated with the mesh key
 * (link-auth.ts), watched by the shared keepalive so a hung peer is noticed in seconds rather than
 * y-websocket's 30 s. A link lives for one socket; its owner decides whether and when to dial again.
 */
import { WebSocket, type RawData } from 'ws'
import type * as Y from 'yjs'
import { DIRECTORY_ROOM, MAX_PAYLOAD_BYTES } from '../shared/protocol.js'
import { encodeSyncStep1, encodeUpdate, handleMessage } from '../shared/wire.js'
import type { Keepalive } from './keepalive.js'
import type { Logger } from './log.js'
import { checkProof, LINK_HEADER, PROOF_HEADER, signLink } from './link-auth.js'
import { MAX_ROOM_PAYLOAD_BYTES } from './room-limits.js'
import { toUint8 } from './ws-bytes.js'
import { drainSockets } from './ws-send.js'

export interface LinkOptions {
  selfId: string
  targetId: string
  url: string
  /** The room to link; default the directory. */
  room?: string
  doc: Y.Doc
  /** The mesh key: the link proves it, and takes no update before the other side has proved it too. */
  key: Buffer
  keepalive: Keepalive
  /** Asked after each frame is applied: a reason to cut the link (the directory's limits), or null. */
  overLimit: (frame: Uint8Array) => string | null
  handshakeTimeoutMs: number
  onUp: (link: DirectoryLink) => void
  /** Called once, when the socket closes or fails for any reason. */
  onDown: (link: DirectoryLink, reason: string) => void
}

export class DirectoryLink {
  readonly targetId: string
  private readonly ws: WebSocket
  private readonly onDocUpdate: (update: Uint8Array, origin: unknown) => void
  private downReason = 'closed'
  private ended = false
  private retiring = false
  up = false

  constructor(private readonly opts: LinkOptions) {
    this.targetId = opts.targetId
    const wsUrl = `${opts.url.replace(/^http/, 'ws')}/${encodeURIComponent(opts.room ?? DIRECTORY_ROOM)}`
    const auth = signLink(opts.key, opts.selfId, opts.targetId, opts.url)
    this.ws = new WebSocket(wsUrl, { maxPayload: opts.room === undefined ? MAX_PAYLOAD_BYTES : MAX_ROOM_PAYLOAD_BYTES, handshakeTimeout: opts.handshakeTimeoutMs, perMessageDeflate: false, headers: { [LINK_HEADER]: auth.header } })
    // 'upgrade' comes before 'open' and before any message: a server that cannot prove the key is
    // dropped before it can say anything.
    this.ws.on('upgrade', (res) => {
      if (!checkProof(opts.key, opts.targetId, auth.nonce, res.headers[PROOF_HEADER] as string | undefined)) this.close('the other side did not prove the mesh key')
    })
    this.ws.binaryType = 'nodebuffer'
    this.onDocUpdate = (update, origin) => {
      if (origin !== this) this.send(encodeUpdate(update))
    }
    const ctx = { doc: opts.doc, awareness: null, origin: this }

    this.ws.on('open', () => {
      if (this.retiring) return this.hangUp()
      this.up = true
      opts.doc.on('update', this.onDocUpdate)
      this.send(encodeSyncStep1(opts.doc))
      opts.keepalive.watch(this.ws, () => (this.downReason = 'no pong twice'))
      opts.onUp(this)
    })
    this.ws.on('message', (data: RawData) => {
      try {
        const frame = toUint8(data)
        const reply = handleMessage(ctx, frame)
        if (reply) this.send(reply)
        const over = opts.overLimit(frame)
        if (over) this.close(over)
      } catch (err) {
        this.close(`malformed message: ${(err as Error).message}`)
      }
    })
    this.ws.on('error', (err) => {
      this.downReason = (err as NodeJS.ErrnoException).code ?? err.message
    })
    this.ws.on('close', () => this.end())
  }

  private send(msg: Uint8Array): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(msg, (err) => err && this.close(err.message))
  }

  /** Bytes queued on the socket, not yet handed to the kernel. */
  get buffered(): number {
    return this.ws.bufferedAmount
  }

  /** Closes at once (terminate, not a close handshake: the other side may be hung). */
  close(reason = 'closed by us'): void {
    this.downReason = reason
    this.ws.terminate()
  }

  /**
   * Hangs up on a healthy peer we no longer need (topology changed). A normal close (1000) tells the
   * other side not to probe us; a peer that does not answer the close is cut off after a second.
   */
  retire(): void {
    this.downReason = 'no longer a dial target'
    this.retiring = true
    // Still connecting: cut now, and the other side, which may already have accepted us, would see an
    // abnormal close and probe us. During a cold start of N peers targets change while links connect,
    // and those probes were tens of /health round trips on a machine with no CPU to spare. Hang up
    // normally once open instead (the handshake timeout bounds the wait).
    if (this.ws.readyState === WebSocket.CONNECTING) return
    if (this.ws.readyState !== WebSocket.OPEN) return this.ws.terminate()
    this.hangUp()
  }

  private hangUp(): void {
    this.ws.close(1000, 'retired')
    setTimeout(() => this.ws.terminate(), 1000).unref()
  }

  private end(): void {
    if (this.ended) return
    this.ended = true
    this.up = false
    this.opts.doc.off('update', this.onDocUpdate)
    this.opts.onDown(this, this.downReason)
  }

  /** Resolves once everything queued on the socket has been handed to the kernel, or after maxMs. */
  drain(maxMs: number): Promise<void> {
    return drainSockets(() => [this.ws], maxMs)
  }
}

/**
 * A link, or null when ws will not make one: it throws from its constructor on an address it cannot
 * parse or a header it cannot send. The entry rule keeps such URLs out of the directory (two did get
 * in, and each took down every peer that dialled it); this keeps whatever a future field lets through
 * one failed dial, not an uncaught exception.
 */
export const openLink = (opts: LinkOptions, log: Logger): DirectoryLink | null => {
  try {
    return new DirectoryLink(opts)
  } catch (err) {
    log.warn(`cannot dial ${JSON.stringify(opts.url.slice(0, 300))}: ${(err as Error).message.slice(0, 200)}`)
    return null
  }
}
