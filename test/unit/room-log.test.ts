/** The frame reader (room-log.ts): a tear at the end is told apart from damage, and every whole frame past damage is read. */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { decodeFrames, encodeFrame, framesReport, MAX_FRAME_BYTES } from '../../src/node/room-log.js'

const frames = (...payloads: string[]) => Buffer.concat(payloads.map((p) => encodeFrame(Buffer.from(p))))
const texts = (data: Buffer) => decodeFrames(data).updates.map((u) => Buffer.from(u).toString())
const size = (...payloads: string[]) => frames(...payloads).length
/** `n` bytes that look like nothing (xorshift32, so every run sees the same ones). */
const garbage = (n: number, seed = 0x9e3779b9) => {
  const out = Buffer.alloc(n)
  let x = seed
  for (let i = 0; i < n; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

describe('decodeFrames', () => {
  it('reads whole frames to the end', () => {
    const data = frames('one', 'two')
    expect(decodeFrames(data)).toMatchObject({ skipped: [], tornAt: null, dropped: 0 })
    expect(framesReport(decodeFrames(data), data.length)).toBeNull()
    expect(texts(data)).toEqual(['one', 'two'])
  })

  it('a last frame cut short, or a header cut short, is a tear: the missing bytes are only at the end', () => {
    const whole = frames('one', 'two-longer')
    for (const cut of [1, 3, 12, whole.length - size('one') - 1]) {
      const data = whole.subarray(0, whole.length - cut)
      const r = decodeFrames(data)
      expect(r).toMatchObject({ skipped: [], tornAt: size('one'), dropped: data.length - size('one') })
      expect(framesReport(r, data.length)).toBe(`read up to a torn last frame at byte ${size('one')} (${r.dropped} of ${data.length} bytes dropped)`)
      expect(texts(data)).toEqual(['one'])
    }
  })

  it('reads on past a frame whose checksum does not match, and says what it skipped', () => {
    const data = frames('A', 'B', 'C', 'D')
    data[size('A') + 8]! ^= 0xff
    const r = decodeFrames(data)
    expect(texts(data)).toEqual(['A', 'C', 'D'])
    expect(r).toMatchObject({ skipped: [{ at: size('A'), bytes: size('B'), why: 'a damaged frame' }], tornAt: null, dropped: size('B') })
    expect(framesReport(r, data.length)).toBe(`read past a damaged frame at byte ${size('A')} (${size('B')} bytes skipped) (${size('B')} of ${data.length} bytes dropped; 3 whole frames read)`)
  })

  it('reads on past a length no peer writes (over the cap, or 0), or one that runs past the end while whole frames follow', () => {
    const at = size('one')
    for (const [len, why] of [
      [0x7fffffff, /length \(2147483647 bytes\) is over any a peer writes/],
      [0, /an empty frame/],
      [1000, /length \(1000 bytes\) runs past the end/]
    ] as const) {
      const data = frames('one', 'two', 'three')
      data.writeUInt32LE(len, at)
      const r = decodeFrames(data)
      expect(texts(data)).toEqual(['one', 'three'])
      expect(r).toMatchObject({ skipped: [{ at, bytes: size('two') }], tornAt: null })
      expect(r.skipped[0]!.why).toMatch(why)
    }
    // A snapshot is one frame: past a damaged length there is nothing to find.
    const snap = frames('the whole doc')
    snap.writeUInt32LE(0xffffffff, 0)
    expect(decodeFrames(snap)).toMatchObject({ updates: [], skipped: [{ at: 0, bytes: snap.length }], tornAt: null, dropped: snap.length })
    expect(MAX_FRAME_BYTES).toBeLessThan(0x7fffffff)
  })

  it('finds every frame between stretches of garbage, and names the first few stretches', () => {
    const junk = (i: number) => garbage(37 + i, 1 + i)
    const data = Buffer.concat([frames('A'), junk(0), frames('B', 'C'), junk(1), frames('D'), junk(2), frames('E'), junk(3), frames('F'), junk(4)])
    const r = decodeFrames(data)
    expect(texts(data)).toEqual(['A', 'B', 'C', 'D', 'E', 'F'])
    expect(r.skipped.map((s) => s.bytes)).toEqual([37, 38, 39, 40, 41])
    expect(r.skipped[0]!.at).toBe(size('A'))
    expect(r).toMatchObject({ tornAt: null, dropped: 37 + 38 + 39 + 40 + 41 })
    expect(framesReport(r, data.length)).toMatch(/^read past (.* at byte \d+ \(\d+ bytes skipped\); ){3}2 more damaged stretches \(195 of \d+ bytes dropped; 6 whole frames read\)$/)
  })

  it('a torn last frame after a damaged middle one: the frames between are read, and both are said', () => {
    const whole = frames('A', 'B', 'C', 'D-cut-short')
    whole[size('A') + 8]! ^= 0xff
    const data = whole.subarray(0, whole.length - 4)
    const r = decodeFrames(data)
    expect(texts(data)).toEqual(['A', 'C'])
    expect(r).toMatchObject({ skipped: [{ at: size('A'), bytes: size('B') }], tornAt: size('A', 'B', 'C') })
    expect(r.dropped).toBe(size('B') + data.length - size('A', 'B', 'C'))
    expect(framesReport(r, data.length)).toMatch(/a damaged frame at byte \d+ \(\d+ bytes skipped\); a torn last frame at byte \d+ \(\d+ of \d+ bytes dropped; 2 whole frames read\)$/)
  })

  it('a file of nothing but garbage, or zeros, reads as nothing, without an exception', () => {
    for (const data of [garbage(64 * 1024), Buffer.alloc(4096), garbage(7), Buffer.alloc(3)]) {
      const r = decodeFrames(data)
      expect(r.updates).toEqual([])
      expect(r.dropped).toBe(data.length)
      expect(framesReport(r, data.length)).not.toBeNull()
    }
  })

  it('bounds the search: in garbage built to make every checksum long, it gives up and says so, past the frames before it', () => {
    // Every fourth position reads a length of 1 MiB that fits: unbounded, 4 MiB of this costs ~1 TiB of CRC-32.
    const costly = Buffer.alloc(4 * 1024 * 1024)
    for (let i = 0; i < costly.length; i += 4) costly.writeUInt32LE(0x00100000, i)
    const data = Buffer.concat([frames('before'), costly, frames('after')])
    const r = decodeFrames(data)
    expect(texts(data)).toEqual(['before'])
    expect(r.skipped).toHaveLength(1)
    expect(r.skipped[0]).toMatchObject({ at: size('before'), bytes: data.length - size('before') })
    expect(r.skipped[0]!.why).toMatch(/search for a whole frame ran out of budget/)
    // A stretch of random bytes this size is searched through within the budget: the frame after it is found.
    const plain = Buffer.concat([frames('before'), garbage(256 * 1024), frames('after')])
    expect(texts(plain)).toEqual(['before', 'after'])
  })

  it('a tear whose tail spends the search (a large binary update cut short) is kept as damage and said to be either', () => {
    // The header of a 3 MiB frame, then 2 MiB of its bytes: plausible lengths everywhere in the tail.
    const header = Buffer.alloc(8)
    header.writeUInt32LE(3 * 1024 * 1024, 0)
    const data = Buffer.concat([frames('one'), header, garbage(2 * 1024 * 1024)])
    const f = decodeFrames(data)
    expect(texts(data)).toEqual(['one'])
    expect(f.tornAt).toBeNull()
    expect(f.skipped).toHaveLength(1)
    expect(f.skipped[0]!.why).toMatch(/a torn last frame or a damaged length; the search .* ran out of budget/)
  })

  it('after a frame whose checksum fails, reads on at its end, not inside it, where a writer may have put a frame of its own', async () => {
    // The red team's case: a binary value holding a whole frame of an update never sent to the room.
    const evil = new Y.Doc()
    evil.getText('t').insert(0, 'INJECTED')
    const inner = encodeFrame(Y.encodeStateAsUpdate(evil))
    const doc = new Y.Doc()
    const log: Buffer[] = []
    doc.on('update', (u: Uint8Array) => log.push(encodeFrame(u)))
    doc.getText('t').insert(0, 'hello;')
    doc.getMap('m').set('blob', new Uint8Array(inner))
    doc.getText('t').insert(6, 'after;')
    const file = Buffer.concat(log)
    // One bit of the blob's frame flips, in its payload before the embedded frame.
    file[log[0]!.length + 12]! ^= 1
    const f = decodeFrames(file)
    expect(f.skipped).toEqual([{ at: log[0]!.length, bytes: log[1]!.length, why: 'a damaged frame' }])
    const back = new Y.Doc()
    for (const u of f.updates) Y.applyUpdate(back, u)
    // "INJECTED" was never the room's. "after;" follows the lost frame in its writer's clock, so yjs
    // holds it pending until another copy supplies that frame (room-log.ts's header says so).
    expect(back.getText('t').toString()).toBe('hello;')
    expect(back.store.pendingStructs).not.toBeNull()
  })

  it('mends a length with one bit flipped, low or high, and reads every frame, that one included', () => {
    const payloads = ['a'.repeat(24), 'b'.repeat(24), 'c'.repeat(24), 'd'.repeat(24)]
    for (const bit of [5, 30]) {
      const data = frames(...payloads)
      // 24 -> 56 lands exactly on the third frame; bit 30 is a length over any a peer writes.
      data.writeUInt32LE(24 ^ (1 << bit), 0)
      const f = decodeFrames(data)
      expect(texts(data)).toEqual(payloads)
      expect(f.skipped).toEqual([{ at: 0, bytes: 0, why: 'a frame whose length had one bit flipped (read whole as 24 bytes)' }])
      expect(framesReport(f, data.length)).toMatch(/one bit flipped/)
    }
  })

  it('mends a length flipped to run past the end too, when a whole frame follows: no search inside its payload', () => {
    // The blob's frame holds a whole frame of an update never sent to the room (as above); bit 20 of its
    // length sends it past the end, where a tear would end. A whole frame after it says it is no tear.
    const evil = new Y.Doc()
    evil.getText('t').insert(0, 'INJECTED')
    const doc = new Y.Doc()
    const log: Buffer[] = []
    doc.on('update', (u: Uint8Array) => log.push(encodeFrame(u)))
    doc.getText('t').insert(0, 'hello;')
    doc.getMap('m').set('blob', new Uint8Array(encodeFrame(Y.encodeStateAsUpdate(evil))))
    doc.getText('t').insert(6, 'after;')
    const file = Buffer.concat(log)
    file[log[0]!.length + 2]! ^= 1 << 4
    const f = decodeFrames(file)
    expect(f.count).toBe(3)
    expect(f.skipped).toEqual([{ at: log[0]!.length, bytes: 0, why: `a frame whose length had one bit flipped (read whole as ${log[1]!.length - 8} bytes)` }])
    const back = new Y.Doc()
    for (const u of f.updates) Y.applyUpdate(back, u)
    expect(back.getText('t').toString()).toBe('hello;after;')
  })
})
