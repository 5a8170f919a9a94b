/**
 * This peer's inbox: messages that other peers' agents sent it over POST /inbox, in arrival order with a
 * sequence number each. Bounded: past `max` the oldest are dropped and counted. Every attached agent
 * reads with its own cursor, so two clients on one peer each see every message once, and a sender that
 * retries (same message id) is not delivered twice.
 */
import { EventEmitter } from 'node:events'
import type { WireMessage } from './inbox-schema.js'

/** Largest message text, in UTF-8 bytes. */
export const MAX_TEXT_BYTES = 16 * 1024

export type { WireMessage } from './inbox-schema.js'

export interface InboxMessage extends WireMessage {
  seq: number
  receivedAt: number
}

export interface InboxRead {
  messages: InboxMessage[]
  /** Messages this reader had not seen that were dropped for room before it read. */
  missed: number
}

export class Inbox extends EventEmitter<{ message: [InboxMessage] }> {
  private readonly messages: InboxMessage[] = []
  private readonly ids = new Set<string>()
  private nextSeq = 1
  /** Dropped for room since start. */
  dropped = 0

  constructor(private readonly max = 1000) {
    super()
  }

  /** The sequence number of the newest message (0 when none came yet). */
  get lastSeq(): number {
    return this.nextSeq - 1
  }

  add(msg: WireMessage, now = Date.now()): { seq: number; duplicate: boolean } {
    if (this.ids.has(msg.id)) return { seq: this.messages.find((m) => m.id === msg.id)?.seq ?? 0, duplicate: true }
    const stored: InboxMessage = { ...msg, seq: this.nextSeq++, receivedAt: now }
    this.messages.push(stored)
    this.ids.add(msg.id)
    while (this.messages.length > this.max) {
      this.ids.delete(this.messages.shift()!.id)
      this.dropped++
    }
    this.emit('message', stored)
    return { seq: stored.seq, duplicate: false }
  }

  /** Messages after `seq`, oldest first, at most `limit`. */
  since(seq: number, limit = this.max): InboxRead {
    const first = this.messages[0]?.seq ?? this.nextSeq
    const missed = Math.max(0, first - seq - 1)
    return { messages: this.messages.filter((m) => m.seq > seq).slice(0, limit), missed }
  }
}
