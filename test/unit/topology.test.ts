import { describe, expect, it } from 'vitest'
import { dialTargets, fingers } from '../../src/node/topology.js'

/** Links the whole mesh holds: each peer's dial targets, summed. */
const connectionCount = (ids: string[]): number => ids.reduce((sum, id) => sum + dialTargets(id, ids).length, 0)

const ids = (n: number, seed = 1) => Array.from({ length: n }, (_, i) => `peer${seed}x${String(i).padStart(3, '0')}`)

/** Breadth-first hops from one id over the undirected dial graph. */
const diameter = (all: string[]) => {
  const adj = new Map(all.map((id) => [id, new Set<string>()]))
  for (const id of all) for (const t of dialTargets(id, all)) (adj.get(id)!.add(t), adj.get(t)!.add(id))
  let worst = 0
  for (const start of all) {
    const dist = new Map([[start, 0]])
    const queue = [start]
    while (queue.length) {
      const cur = queue.shift()!
      for (const n of adj.get(cur)!) if (!dist.has(n)) (dist.set(n, dist.get(cur)! + 1), queue.push(n))
    }
    if (dist.size !== all.length) return Infinity
    worst = Math.max(worst, ...dist.values())
  }
  return worst
}

describe('finger topology', () => {
  it('dials nobody alone, and one connection for a pair', () => {
    expect(dialTargets('a', ['a'])).toEqual([])
    expect(dialTargets('a', ['a', 'b']).length + dialTargets('b', ['a', 'b']).length).toBe(1)
  })

  it('a join moves the fingers of few peers, not of the whole mesh', () => {
    for (const seed of [1, 2, 3]) {
      const before = ids(32, seed)
      const after = [...before, `newcomer${seed}`]
      const changed = before.filter((id) => fingers(id, before).join() !== fingers(id, after).filter((f) => !f.startsWith('newcomer')).join() || fingers(id, after).some((f) => f.startsWith('newcomer')))
      expect(changed.length).toBeLessThanOrEqual(12)
    }
  })

  it.each([2, 3, 8, 20, 32, 100])('N=%i: connected, about N*log2 N connections, diameter <= log2 N', (n) => {
    for (const seed of [1, 2, 3]) {
      const all = ids(n, seed)
      const log = Math.ceil(Math.log2(n))
      expect(connectionCount(all)).toBeLessThanOrEqual(n * (log + 1))
      expect(diameter(all)).toBeLessThanOrEqual(Math.max(1, log))
    // No pair is dialled from both ends.
      for (const a of all) for (const b of dialTargets(a, all)) expect(dialTargets(b, all)).not.toContain(a)
    }
  })
})
