import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { MeshDiscoveryError, raceSources } from '../../src/browser/discovery/race.js'
import type { DiscoverySource, Via } from '../../src/browser/discovery/source.js'

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

  it('after the grace, the first answer wins and the rest are cancelled once it is handed over', async () => {
    const slow = fake('registry', 10_000)
    const scan = fake('scan', 5)
    const r = await raceSources([slow.source, scan.source], { graceMs: 30, signal: never })
    expect(r.via).toBe('scan')
    // The caller has the answer first; the loser is aborted in the next task (race.ts says why).
    expect(slow.log.aborted).toBe(false)
    await new Promise((resolve) => setTimeout(resolve, 0))
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

  it('a race built late counts from its origin: a start that is due has begun, the grace is spent, ms are from the origin', async () => {
    // On a fake clock: the race is built 30 ms after its origin; nothing may wait a moment longer.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
    onTestFinished(() => void vi.useRealTimers())
    const origin = performance.now()
    await vi.advanceTimersByTimeAsync(30)
    const registry = fake('registry', 60_000)
    const scan = fake('scan', 5)
    let result: Awaited<ReturnType<typeof raceSources>> | undefined
    void raceSources([registry.source, { source: scan.source, startAfterMs: 20 }], { graceMs: 25, signal: never, origin }).then((r) => (result = r))
    expect(scan.log.startedAt).not.toBe(-1)
    await vi.advanceTimersByTimeAsync(5)
    expect(result?.via).toBe('scan')
    expect(result!.ms).toBe(35)
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
