import { describe, expect, it } from 'vitest'
import { backoffMs, waitMs } from '../../src/shared/backoff.js'

describe('backoffMs (full jitter)', () => {
  it('spans the whole window [0, min(cap, base * 2^n)]', () => {
    expect(backoffMs(0, 250, 5000, () => 0)).toBe(0)
    expect(backoffMs(0, 250, 5000, () => 0.999)).toBe(250)
    expect(backoffMs(3, 250, 5000, () => 0.5)).toBe(1000)
    expect(backoffMs(3, 250, 5000, () => 0.999)).toBe(1998)
  })

  it('is capped however many failures came before', () => {
    expect(backoffMs(30, 250, 5000, () => 0.999)).toBe(4995)
    expect(backoffMs(1000, 100, 5000, () => 0.999)).toBe(4995)
  })

  it('has a ceiling that never shrinks as failures grow', () => {
    const ceilings = Array.from({ length: 12 }, (_, n) => backoffMs(n, 100, 5000, () => 0.999))
    for (let n = 1; n < ceilings.length; n++) expect(ceilings[n]).toBeGreaterThanOrEqual(ceilings[n - 1]!)
  })

  it('treats a negative attempt as the first', () => {
    expect(backoffMs(-3, 250, 5000, () => 0.999)).toBe(250)
  })
})

describe('waitMs', () => {
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length

  it('resolves after its time, and at once when its signal fires, leaving no timer behind', async () => {
    const stop = new AbortController()
    await waitMs(1, stop.signal)
    const before = timers()
    const long = waitMs(60_000, stop.signal)
    expect(timers()).toBe(before + 1)
    stop.abort()
    await long
    expect(timers()).toBe(before)
    // Already fired: no timer at all.
    await waitMs(60_000, stop.signal)
    expect(timers()).toBe(before)
  })
})
