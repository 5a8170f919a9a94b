/**
 * What a room sends that depends on the doc alone, kept until the doc next changes:
 * - answers to sync step 1 (a request for everything the asker lacks). On a room of tens of MB each
 *   answer is an encoding of the whole doc; clients ask with the same few state vectors (a new
 *   client's is empty), so a burst of requests, from one client or many, costs one encoding, not one
 *   each. The token bucket per connection (room-limits.ts) still bounds what is sent.
 * - the directory's push to a new reader (room-server.ts), its step 2 and the state vector it was
 *   taken at: every page that joins gets it, and encoding it cost the peer 0.11 ms of each join's
 *   0.56 ms (10 peers' directory, 3000 ?registry sockets, --cpu-prof).
 */
import type * as Y from 'yjs'

export interface ReaderPush {
  /** The state vector the frame was encoded at: the reader's own step 1 then gets what changed since. */
  stateVector: Uint8Array
  frame: Uint8Array
}

export class StepOneAnswers {
  private cached: { frame: string; reply: Uint8Array | null } | null = null
  private pushed: ReaderPush | null = null

  constructor(doc: Y.Doc) {
    doc.on('update', () => {
      this.cached = null
      this.pushed = null
    })
  }

  /** The answer to `frame` (a step 1): the cached one if the doc has not changed since, else `compute()`. */
  answer(frame: Uint8Array, compute: () => Uint8Array | null): Uint8Array | null {
    const key = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString('latin1')
    if (this.cached?.frame !== key) this.cached = { frame: key, reply: compute() }
    return this.cached.reply
  }

  /** The push to a new reader: the cached one if the doc has not changed since, else `compute()`. */
  push(compute: () => ReaderPush): ReaderPush {
    return (this.pushed ??= compute())
  }
}
