/** The frame reader (room-log.ts): a tear at the end is told apart from damage, and the bytes dropped are counted. */
import { describe, expect, it } from 'vitest'
import { decodeFrames, encodeFrame, MAX_FRAME_BYTES } from '../../src/node/room-log.js'

const frames = (...payloads: string[]) => Buffer.concat(payloads.map((p) => encodeFrame(Buffer.from(p))))
const texts = (data: Buffer) => decodeFrames(data).updates.map((u) => Buffer.from(u).toString())

describe('decodeFrames', () => {
  it('reads whole frames to the end', () => {
    const data = frames('one', 'two')
    expect(decodeFrames(data)).toMatchObject({ stopped: null, torn: false, dropped: 0 })
    expect(texts(data)).toEqual(['one', 'two'])
  })

  it('a last frame cut short, or a header cut short, is a tear: the missing bytes are only at the end', () => {
    const whole = frames('one', 'two-longer')
    for (const cut of [1, 3, 12, whole.length - frames('one').length - 1]) {
      const data = whole.subarray(0, whole.length - cut)
      const r = decodeFrames(data)
      expect(r).toMatchObject({ torn: true, dropped: data.length - frames('one').length })
      expect(r.stopped).toMatch(/torn/)
      expect(texts(data)).toEqual(['one'])
    }
  })

  it('a length over any frame a peer writes is damage, even at the end, and says how many bytes it dropped', () => {
    const data = frames('one', 'two', 'three')
    const at = frames('one').length
    data.writeUInt32LE(0x7fffffff, at)
    expect(decodeFrames(data)).toMatchObject({ torn: false, dropped: data.length - at })
    expect(decodeFrames(data).stopped).toMatch(new RegExp(`length \\(${0x7fffffff} bytes\\).*at byte ${at}`))
    const snap = frames('the whole doc')
    snap.writeUInt32LE(0xffffffff, 0)
    expect(decodeFrames(snap)).toMatchObject({ torn: false, dropped: snap.length, updates: [] })
    expect(MAX_FRAME_BYTES).toBeLessThan(0x7fffffff)
  })

  it('a frame whose checksum does not match is damage', () => {
    const data = frames('one', 'two', 'three')
    data[frames('one').length + 8]! ^= 0xff
    expect(decodeFrames(data)).toMatchObject({ torn: false, dropped: data.length - frames('one').length })
    expect(decodeFrames(data).stopped).toMatch(/damaged frame/)
  })
})
