import { describe, expect, it } from 'vitest'
import { DURABLE, DurableAsks, encodeDurableAsk, MAX_DURABLE_ASKS, NOT_KEPT, readDurableAnswer } from '../../src/node/room-durable.js'
import type { RoomFile } from '../../src/node/room-file.js'
import { waitFor } from '../helpers/peers.js'

/** A room file whose writer finishes when the test says so, having kept the updates or not. */
const slowFile = (kept = true) => {
  let finish!: () => void
  const done = new Promise<void>((r) => (finish = r))
  return { file: { flushed: () => done.then(() => kept) } as unknown as RoomFile, finish }
}

describe('DurableAsks', () => {
  it('answers each ask once the file is idle, with its id and whether it is on disk', async () => {
    const answers: { id: number; status: number }[] = []
    const asks = new DurableAsks((a) => answers.push(readDurableAnswer(a)!))
    const ok = slowFile()
    expect(asks.take(encodeDurableAsk(7), ok.file)).toBe(true)
    const lost = slowFile(false)
    lost.finish()
    expect(asks.take(encodeDurableAsk(8), lost.file)).toBe(true)
    expect(asks.take(encodeDurableAsk(9), null)).toBe(true)
    await waitFor(() => answers.length === 2, 'the asks with no file and a failed file to be answered')
    expect(answers).toEqual(expect.arrayContaining([{ id: 9, status: NOT_KEPT }, { id: 8, status: NOT_KEPT }]))
    ok.finish()
    await waitFor(() => answers.some((a) => a.id === 7), 'the answer once the writer is done')
    expect(answers.find((a) => a.id === 7)).toEqual({ id: 7, status: DURABLE })
  })

  it('refuses a malformed ask, and more than MAX_DURABLE_ASKS waiting', () => {
    const asks = new DurableAsks(() => {})
    expect(asks.take(new Uint8Array([64]), null)).toBe(false)
    const { file } = slowFile()
    for (let i = 0; i < MAX_DURABLE_ASKS; i++) expect(asks.take(encodeDurableAsk(i), file)).toBe(true)
    expect(asks.take(encodeDurableAsk(99), file)).toBe(false)
  })
})
