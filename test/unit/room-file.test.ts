/** A room file's answer to "is what the doc took so far on disk?" (room-file.ts, disk-marks.ts). */
import { describe, expect, it } from 'vitest'
import { append, openedIn, reopened, storeOf } from '../helpers/room-store.js'

describe('RoomFile.flushed', () => {
  it('answers for what came before it while clients go on writing, and the answer is on disk', async () => {
    const { home, doc, file } = openedIn('busy')
    append(doc, 'asked;')
    let answered = false
    const kept = file.flushed().then((k) => ((answered = true), k))
    // A client that never stops: idle() waited for the writer to go quiet, so it answered only after it.
    let written = 0
    while (!answered && written < 100_000) {
      append(doc, '.')
      written++
      await new Promise((r) => setImmediate(r))
    }
    expect(await kept).toBe(true)
    expect(written).toBeLessThan(100_000)
    const { store } = storeOf(home, 'bbbbbbbbbbbbbbbb')
    expect(reopened(store, 'busy')).toMatch(/^asked;/)
    await file.close()
  })
})
