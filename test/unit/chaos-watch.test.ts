/** The chaos run's judge on hand-made samples: it must see what it is there to see. Times are logical. */
import { resolve } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'

const WATCH = resolve(import.meta.dirname, '../../bench/lib/chaos-watch.mjs')
let ChaosWatch: any
beforeAll(async () => {
  ;({ ChaosWatch } = await import(WATCH))
})

type State = 'running' | 'stopped' | 'gone'
const truth = (rows: [string, State, number, (number | null)?][]) => new Map(rows.map(([id, state, since, exitedAt = null]) => [id, { state, since, pid: 1, exitedAt }]))
const views = (rows: [string, string[] | null, number?][]) => new Map(rows.map(([obs, ids, since = 0]) => [obs, { since, ids }]))
const watch = () => new ChaosWatch({ missingMs: 1000, staleMs: 2000, fileMs: 1500 })
const kinds = (w: any) => w.anomalies.map((a: { kind: string }) => a.kind)

describe('ChaosWatch', () => {
  it('times agreement from the first sample started after the fault', () => {
    const w = watch()
    const t = truth([['a', 'running', 0], ['b', 'running', 0], ['c', 'gone', 100, 100]])
    const pending = w.fault(100)
    w.ingest({ t0: 90, t1: 130, truth: t, views: views([['a', ['a', 'b']], ['b', ['a', 'b']]]), file: null })
    expect(pending.at).toBe(null)
    w.ingest({ t0: 140, t1: 150, truth: t, views: views([['a', ['a', 'b']], ['b', ['a', 'b', 'c']]]), file: null })
    expect(pending.at).toBe(null)
    w.ingest({ t0: 160, t1: 170, truth: t, views: views([['a', ['b', 'a']], ['b', ['a', 'b']], ['page', ['a', 'b']]]), file: null })
    expect(pending.at).toBe(170)
    expect(w.anomalies).toEqual([])
  })

  it('a running peer missing past the bound is a false eviction, reported once', () => {
    const w = watch()
    const t = truth([['a', 'running', 0], ['b', 'running', 0]])
    for (const at of [100, 600, 1050, 1200, 1500]) w.ingest({ t0: at, t1: at + 10, truth: t, views: views([['a', ['a']]]), file: null })
    expect(kinds(w)).toEqual(['false-eviction'])
    expect(w.anomalies[0]).toMatchObject({ observer: 'a', peer: 'b' })
  })

  it('a peer just continued, or an observer just continued, is owed the bound from that moment', () => {
    const w = watch()
    const t = truth([['a', 'running', 0], ['b', 'running', 5000]])
    for (const at of [4000, 5500, 5900]) w.ingest({ t0: at, t1: at + 10, truth: t, views: views([['a', ['a']], ['page', ['a'], 5800]]), file: null })
    expect(w.anomalies).toEqual([])
  })

  it('a stopped or gone peer still listed past the bound is a stale entry; an unanswered sample keeps the interval', () => {
    const w = watch()
    const t = truth([['a', 'running', 0], ['s', 'stopped', 100], ['g', 'gone', 100, 150]])
    w.ingest({ t0: 200, t1: 210, truth: t, views: views([['a', ['a', 's', 'g']]]), file: null })
    w.ingest({ t0: 1000, t1: 1010, truth: t, views: views([['a', null]]), file: null })
    w.ingest({ t0: 2200, t1: 2210, truth: t, views: views([['a', ['a', 's', 'g']]]), file: null })
    expect(kinds(w)).toEqual(['stale-entry', 'stale-entry'])
  })

  it('servers.json: a dead pid left in it, or a running peer left out, past the bound', () => {
    const w = watch()
    const t = truth([['a', 'running', 0], ['b', 'running', 0], ['g', 'gone', 100, 100]])
    const file = [{ id: 'a', pid: 1 }, { id: 'g', pid: 2 }]
    w.ingest({ t0: 200, t1: 210, truth: t, views: views([]), file })
    w.ingest({ t0: 1700, t1: 1710, truth: t, views: views([]), file })
    expect(w.anomalies.map((a: any) => [a.kind, a.peer])).toEqual([['servers-json', 'g'], ['servers-json', 'b']])
  })
})
