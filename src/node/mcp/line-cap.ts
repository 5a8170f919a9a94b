/**
 * MCP's stdio framing (one JSON-RPC message a line) with a cap on a line's length. The SDK's reader has
 * a cap too, but one line past it closes the whole transport: one oversized request from the agent (or
 * from any client of the peer's socket) ended the session, and a stdio session's end ends the peer. Here
 * a line over the cap is dropped whole and told to `onDropped`, with its first and last `endBytes`
 * (what dropped-request.ts needs to answer it); the lines after it are read as before.
 */
import { Transform, type TransformCallback } from 'node:stream'

/** What is kept of a dropped line: its length, and its two ends. */
export interface DroppedLine {
  bytes: number
  head: Buffer
  tail: Buffer
}

const NEWLINE = Buffer.from('\n')

export class LineCap extends Transform {
  private parts: Buffer[] = []
  private length = 0
  /** Bytes of the line being dropped so far, or -1 while the line is kept. */
  private dropped = -1
  private head: Buffer = Buffer.alloc(0)
  private tail: Buffer = Buffer.alloc(0)

  constructor(
    private readonly maxLineBytes: number,
    private readonly onDropped: (line: DroppedLine) => void,
    private readonly endBytes = 0
  ) {
    super()
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    for (let start = 0; start < chunk.length; ) {
      const nl = chunk.indexOf(0x0a, start)
      this.accept(chunk.subarray(start, nl === -1 ? chunk.length : nl))
      if (nl === -1) break
      this.endLine()
      start = nl + 1
    }
    done()
  }

  override _flush(done: TransformCallback): void {
    // An unfinished last line is no message (the SDK would not read it either); one being dropped is told.
    if (this.dropped >= 0) this.tellDropped()
    done()
  }

  private accept(piece: Buffer): void {
    if (this.dropped >= 0) {
      this.dropped += piece.length
      this.tail = this.lastBytes([this.tail, piece])
    } else if (this.length + piece.length > this.maxLineBytes) {
      this.dropped = this.length + piece.length
      const all = [...this.parts, piece]
      this.head = Buffer.concat(all, Math.min(this.dropped, this.endBytes))
      this.tail = this.lastBytes(all)
      this.parts = []
      this.length = 0
    } else if (piece.length > 0) {
      this.parts.push(piece)
      this.length += piece.length
    }
  }

  private endLine(): void {
    if (this.dropped >= 0) {
      this.tellDropped()
      this.dropped = -1
      return
    }
    this.push(Buffer.concat([...this.parts, NEWLINE]))
    this.parts = []
    this.length = 0
  }

  /** The last endBytes of `buffers` end to end, copying no more than that. */
  private lastBytes(buffers: Buffer[]): Buffer {
    const kept: Buffer[] = []
    for (let i = buffers.length - 1, n = 0; i >= 0 && n < this.endBytes; i--) {
      const b = buffers[i]!.subarray(Math.max(0, buffers[i]!.length - (this.endBytes - n)))
      kept.unshift(b)
      n += b.length
    }
    return Buffer.concat(kept)
  }

  private tellDropped(): void {
    this.onDropped({ bytes: this.dropped, head: this.head, tail: this.tail })
    this.head = this.tail = Buffer.alloc(0)
  }
}
