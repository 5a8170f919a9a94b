import { describe, expect, it } from 'vitest'
import { failoverCandidates, MAX_FAILOVER_PROBES } from '../../src/browser/failover-candidates.js'

const urls = (n: number) => Array.from({ length: n }, (_, i) => `http://127.0.0.1:${2000 + i}`)

describe('failoverCandidates', () => {
  it('all the other peers of a small mesh; the lost one only after the first round', () => {
    const all = urls(5)
    expect(failoverCandidates(all, all[0]!, 0).sort()).toEqual(all.slice(1))
    expect(failoverCandidates(all, all[0]!, 1).sort()).toEqual(all)
  })

  it('at most MAX_FAILOVER_PROBES of a large list, each once, drawn across the whole list', () => {
    const all = urls(1000)
    const seen = new Set<string>()
    for (let round = 0; round < 50; round++) {
      const picked = failoverCandidates(all, all[0]!, 0)
      expect(picked).toHaveLength(MAX_FAILOVER_PROBES)
      expect(new Set(picked).size).toBe(MAX_FAILOVER_PROBES)
      expect(picked).not.toContain(all[0])
      for (const u of picked) seen.add(u)
    }
    // 800 draws from 999: a sampler stuck on the head of the list would see 16.
    expect(seen.size).toBeGreaterThan(300)
  })
})
