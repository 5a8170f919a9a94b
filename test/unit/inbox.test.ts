import { describe, expect, it } from 'vitest'
import { Inbox, MAX_TEXT_BYTES, type WireMessage } from '../../src/node/inbox.js'
import { wireMessageSchema } from '../../src/node/inbox-schema.js'

const msg = (n: number, text = `m${n}`): WireMessage => ({ v: 1, id: `msg-${String(n).padStart(6, '0')}`, to: 'aaaaaaaaaaaaaaaa', from: { id: 'bbbbbbbbbbbbbbbb', name: 'b' }, text, sentAt: n })

describe('Inbox', () => {
  it('numbers messages, reads per cursor oldest first, and drops a retried id', () => {
    const inbox = new Inbox(10)
    const seen: number[] = []
    inbox.on('message', (m) => seen.push(m.seq))
    expect(inbox.add(msg(1))).toEqual({ seq: 1, duplicate: false })
    expect(inbox.add(msg(2))).toEqual({ seq: 2, duplicate: false })
    expect(inbox.add(msg(1))).toEqual({ seq: 1, duplicate: true })
    expect(seen).toEqual([1, 2])
    expect(inbox.since(0).messages.map((m) => m.text)).toEqual(['m1', 'm2'])
    expect(inbox.since(1).messages.map((m) => m.text)).toEqual(['m2'])
    expect(inbox.since(2).messages).toEqual([])
    expect(inbox.since(0, 1).messages.map((m) => m.seq)).toEqual([1])
  })

  it('keeps the newest `max`, counting what was dropped and what a reader missed', () => {
    const inbox = new Inbox(3)
    for (let i = 1; i <= 5; i++) inbox.add(msg(i))
    expect(inbox.dropped).toBe(2)
    expect(inbox.lastSeq).toBe(5)
    expect(inbox.since(0)).toMatchObject({ missed: 2, messages: [{ seq: 3 }, { seq: 4 }, { seq: 5 }] })
    expect(inbox.since(3).missed).toBe(0)
    // A dropped id may come again as new: the dedup set is bounded with the messages.
    expect(inbox.add(msg(1)).duplicate).toBe(false)
  })

  it('the wire schema bounds the text in bytes and refuses malformed envelopes', () => {
    expect(wireMessageSchema.safeParse(msg(1)).success).toBe(true)
    expect(wireMessageSchema.safeParse(msg(1, 'x'.repeat(MAX_TEXT_BYTES))).success).toBe(true)
    expect(wireMessageSchema.safeParse(msg(1, 'é'.repeat(MAX_TEXT_BYTES / 2 + 1))).success).toBe(false)
    expect(wireMessageSchema.safeParse({ ...msg(1), text: '' }).success).toBe(false)
    expect(wireMessageSchema.safeParse({ ...msg(1), to: 'not a peer id!' }).success).toBe(false)
    expect(wireMessageSchema.safeParse({ ...msg(1), v: 2 }).success).toBe(false)
  })
})
