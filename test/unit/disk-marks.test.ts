import { describe, expect, it } from 'vitest'
import { DiskMarks } from '../../src/node/disk-marks.js'

describe('DiskMarks', () => {
  it('answers a waiter once what was queued when it asked is kept, whatever is queued after', async () => {
    const marks = new DiskMarks()
    const seen: string[] = []
    for (let i = 0; i < 3; i++) marks.queue()
    void marks.wait().then((k) => seen.push(`first ${k}`))
    // Clients go on writing: the writer never goes quiet.
    for (let i = 0; i < 100; i++) marks.queue()
    void marks.wait().then((k) => seen.push(`second ${k}`))
    marks.keptThrough(3)
    await Promise.resolve()
    expect(seen).toEqual(['first true'])
    marks.keptThrough(2)
    marks.keptThrough(103)
    await Promise.resolve()
    expect(seen).toEqual(['first true', 'second true'])
    expect(await marks.wait()).toBe(true)
  })

  it('tells every waiter no when a write fails', async () => {
    const marks = new DiskMarks()
    marks.queue()
    const waiting = marks.wait()
    marks.failed()
    expect(await waiting).toBe(false)
  })
})
