/**
 * Answers to sync step 1 (a request for everything the asker lacks), kept until the doc next changes.
 * On a room of tens of MB each answer is an encoding of the whole doc; clients ask with the same few
 * state vectors (a new client's is empty), so a burst of requests, from one client or many, costs one
 * encoding, not one each. The token bucket per connection (room-limits.ts) still bounds what is sent.
 */
import type * as Y from 'yjs'

export class StepOneAnswers {
  private cached: { frame: string; reply: Uint8Array | null } | null = null

  constructor(doc: Y.Doc) {
    doc.on('update', () => (this.cached = null))
  }

  /** The answer to `frame` (a step 1): the cached one if the doc has not changed since, else `compute()`. */
  answer(frame: Uint8Array, compute: () => Uint8Array | null): Uint8Array | null {
    const key = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString('latin1')
    if (this.cached?.frame !== key) this.cached = { frame: key, reply: compute() }
    return this.cached.reply
  }
}
