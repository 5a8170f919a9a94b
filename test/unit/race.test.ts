import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { MeshDiscoveryError, raceSources } from '../../src/browser/discovery/race.js'
import type { DiscoverySource, Via } from '../../src/browser/discovery/source.js'
import { backoffMs } from '../../src/browser/backoff.js'

/** A source that answers (or fails) after ms, and records when it was started and whether it was aborted. */
const fake = (via: Via, ms: number, ok = true) => {
  const log = { startedAt: -1, aborted: false }
  const t0 = performance.now()
  const source: DiscoverySource = {
    via,
    find: (signal) =>
      new Promise((resolve, reject) => {
        log.startedAt = performance.now() - t0
        const timer = setTimeout(() => (ok ? resolve({ url: `http://${via}`, id: `${via}-id` }) : reject(new Error(`${via} says no`))), ms)
        signal.addEventListener('abort', () => {
          log.aborted = true
          clearTimeout(timer)
          reject(new Error('aborted'))
        })
      })
  }
  return { source, log }
}
const never = new AbortController().signal

describe('raceSources', () => {
  it('a preferred source that answers within the grace wins over a faster one', async () => {
    const cache = fake('cache', 40)
    const scan = fake('scan', 5)
    const r = await raceSources([cache.source, scan.source], { graceMs: 200, signal: never })
    expect(r.via).toBe('cache')
  })

  it('after the grace, the first answer wins and the rest are cancelled', async () => {
    const slow = fake('registry', 10_000)
    const scan = fake('scan', 5)
    const r = await raceSources([slow.source, scan.source], { graceMs: 30, signal: never })
    expect(r.via).toBe('scan')
    expect(slow.log.aborted).toBe(true)
  })

  it('a failed preferred source releases the next answer at once', async () => {
    // On a fake clock: 10 ms of a 10 s grace pass, and the race must already have its answer.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    onTestFinished(() => void vi.useRealTimers())
    const registry = fake('registry', 5, false)
    const scan = fake('scan', 10)
    let result: Awaited<ReturnType<typeof raceSources>> | undefined
    void raceSources([registry.source, scan.source], { graceMs: 10_000, signal: never }).then((r) => (result = r))
    await vi.advanceTimersByTimeAsync(10)
    expect(result?.via).toBe('scan')
  })

  it('a late source starts when everything before it has failed, without waiting out its delay', async () => {
    const registry = fake('registry', 5, false)
    const scan = fake('scan', 1)
    const r = await raceSources([registry.source, { source: scan.source, startAfterMs: 60_000 }], { graceMs: 100, signal: never })
    expect(r.via).toBe('scan')
  })

  it('a late source never starts when an earlier one wins first', async () => {
    const registry = fake('registry', 5)
    const scan = fake('scan', 1)
    const r = await raceSources([registry.source, { source: scan.source, startAfterMs: 60_000 }], { graceMs: 100, signal: never })
    expect(r.via).toBe('registry')
    expect(scan.log.startedAt).toBe(-1)
  })

  it('rejects with a MeshDiscoveryError naming every source and its answer', async () => {
    const err = await raceSources([fake('cache', 1, false).source, fake('registry', 2, false).source, { source: fake('scan', 3, false).source, startAfterMs: 50 }], { graceMs: 100, signal: never }).catch((e) => e)
    expect(err).toBeInstanceOf(MeshDiscoveryError)
    expect((err as MeshDiscoveryError).attempts.map((a) => `${a.via}:${a.detail}`)).toEqual(['cache:cache says no', 'registry:registry says no', 'scan:scan says no'])
  })

  it('the overall signal ends the race, naming the sources still out', async () => {
    const ctrl = new AbortController()
    setTimeout(() => ctrl.abort(), 20)
    const err = await raceSources([fake('registry', 10_000).source], { graceMs: 100, signal: ctrl.signal }).catch((e) => e)
    expect(err).toBeInstanceOf(MeshDiscoveryError)
    expect(err.attempts[0].detail).toMatch(/no answer before the timeout/)
  })
})

describe('backoffMs', () => {
  const attempts = Array.from({ length: 12 }, (_, n) => n)
  // Math.random() is in [0, 1): 0 and 0.999 stand for the lowest and (nearly) the highest draw.
  const low = attempts.map((n) => backoffMs(n, 250, 5000, () => 0))
  const high = attempts.map((n) => backoffMs(n, 250, 5000, () => 0.999))

  it('never waits less than the base, whatever the attempt', () => {
    expect(low).toEqual(attempts.map(() => 250))
  })

  it('has a ceiling that doubles from the base and stops at the cap', () => {
    expect(high.slice(0, 6)).toEqual([250, 500, 999, 1998, 3996, 4995])
    expect(high.slice(6)).toEqual(attempts.slice(6).map(() => 4995))
    for (let n = 1; n < high.length; n++) expect(high[n]).toBeGreaterThanOrEqual(high[n - 1]!)
  })

  it('spreads the draws across the whole window, not a fixed wait', () => {
    // Halfway between the base and attempt 4's ceiling of 4000.
    expect(backoffMs(4, 250, 5000, () => 0.5)).toBe(2125)
    expect(new Set([0, 0.25, 0.5, 0.75, 0.999].map((r) => backoffMs(8, 250, 5000, () => r))).size).toBe(5)
  })

  it('treats a negative attempt as the first', () => {
    expect(backoffMs(-3, 250, 5000, () => 0.999)).toBe(250)
  })
})
