import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { LineCap } from '../../src/node/mcp/line-cap.js'

/** What a LineCap of `max` passes on for `chunks`, and the sizes of the lines it dropped. */
const run = async (max: number, chunks: string[], ends: string[] = []) => {
  const dropped: number[] = []
  const cap = new LineCap(max, ({ bytes, head, tail }) => dropped.push(bytes) && ends.push(`${head}|${tail}`), 2)
  let out = ''
  for await (const piece of Readable.from(chunks.map((c) => Buffer.from(c))).pipe(cap)) out += piece
  return { out, dropped }
}

describe('LineCap', () => {
  it('passes whole lines on, however the chunks cut them', async () => {
    expect(await run(10, ['ab', 'c\nde', 'f\n\n', 'g\r\n'])).toEqual({ out: 'abc\ndef\n\ng\r\n', dropped: [] })
  })

  it('drops a line over the cap whole, in one chunk or many, and keeps the lines around it', async () => {
    expect(await run(4, ['1234\n12345\n', '6789\n'])).toEqual({ out: '1234\n6789\n', dropped: [5] })
    expect(await run(4, ['ok\n12', '345', '678\nok2\n'])).toEqual({ out: 'ok\nok2\n', dropped: [8] })
  })

  it('an unfinished last line is not passed on; one being dropped is still told', async () => {
    expect(await run(4, ['ok\npart'])).toEqual({ out: 'ok\n', dropped: [] })
    expect(await run(4, ['ok\n123456'])).toEqual({ out: 'ok\n', dropped: [6] })
  })

  it('keeps the first and last bytes of a dropped line, however the chunks cut it', async () => {
    const ends: string[] = []
    await run(4, ['abcdef\n', 'ok\n12', '345', '6', '78\n', '9876543'], ends)
    expect(ends).toEqual(['ab|ef', '12|78', '98|43'])
  })
})
