import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startProcess } from '../scripts/lib/spawn-peer.mjs'
import { tempDir } from './helpers/temp.js'
import { testScope } from './helpers/scope.js'

const RUN = resolve(import.meta.dirname, '../bench/run.mjs')
const COLD = resolve(import.meta.dirname, '../bench/cold-costs.mjs')

/** Runs a bench script to completion; a test that ends first SIGTERMs it, so it takes its peers and browser with it. */
const runBench = async (args: string[], script = RUN) => {
  const bench = startProcess(process.execPath, [script, ...args])
  testScope().defer(() => bench.stop('SIGTERM', 10_000))
  const { code } = await bench.exited
  return { code, stdout: bench.stdout(), stderr: bench.stderr() }
}

describe('pnpm bench', () => {
  it('runs --quick on one scenario and writes the documented JSON, table and chart', async () => {
    const out = tempDir()
    const { code, stdout, stderr } = await runBench(['--quick', '--only', 'registry', '--out', out])
    expect(code, stderr).toBe(0)
    expect(stderr).toMatch(/\[bench [\d.]+s\] registry: p50/)
    expect(stdout).toMatch(/\| registry +\| 5 /)
    const json = JSON.parse(await readFile(join(out, 'latest.json'), 'utf8'))
    // A join comes with its paired floors, taken in the same loop (bench/scenarios/joins.mjs).
    expect(Object.keys(json.scenarios)).toEqual(['registry', 'floor-fetch-paired', 'floor-ws-paired'])
    expect(json.scenarios['floor-fetch-paired'].runs).toBe(5)
    expect(json.scenarios['floor-ws-paired'].runs).toBe(5)
    const s = json.scenarios.registry
    expect(s.runs).toBe(5)
    for (const k of ['min_ms', 'p50_ms', 'p95_ms', 'max_ms']) {
      expect(Number.isFinite(s[k]), k).toBe(true)
      expect(s[k], k).toBeGreaterThan(0)
    }
    // Every run joined, each through the registry on the live first port, or the scan where the registry
    // missed the 100 ms grace; never the cache (fresh contexts, cache off).
    expect(Object.keys(s.via).every((v) => v === 'registry' || v === 'scan'), JSON.stringify(s.via)).toBe(true)
    expect(Object.values(s.via as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(5)
    expect(s.via.registry).toBeGreaterThan(0)
    // The table shows the same figures as the JSON.
    const row = stdout.split('\n').find((l) => l.startsWith('| registry '))
    expect(row?.split('|').map((c) => c.trim()).slice(1, 4), stdout).toEqual(['registry', '5', s.p50_ms >= 100 ? String(Math.round(s.p50_ms)) : s.p50_ms.toFixed(1)])
    expect(row).toContain(`via ${Object.entries(s.via).map(([k, v]) => `${k} ${v}`).join(', ')}`)
    expect(row).toContain(`(floor-fetch-paired) | ${(s.p50_ms / json.scenarios['floor-fetch-paired'].p50_ms).toFixed(2)}x`)
    expect(json.machine.cpus).toBeGreaterThan(0)
    expect(json.machine.chromium).toMatch(/^Chromium \d+\./)
    expect(json.mode).toBe('quick')
    expect(await readFile(join(out, 'latest.svg'), 'utf8')).toMatch(/^<svg[^>]*>[\s\S]*registry[\s\S]*<\/svg>\s*$/)
  })

  it('the scan and the cached join stand under floors of their own loops, taken in contexts of their kind', async () => {
    const out = tempDir()
    const { code, stdout, stderr } = await runBench(['--quick', '--only', 'scan,cached', '--out', out])
    expect(code, stderr).toBe(0)
    const json = JSON.parse(await readFile(join(out, 'latest.json'), 'utf8'))
    expect(Object.keys(json.scenarios)).toEqual(['scan', 'floor-scan-paired', 'floor-ws-paired-scan', 'cached', 'floor-fetch-paired-cached', 'floor-ws-paired-cached'])
    const rowOf = (name: string) => stdout.split('\n').find((l) => l.startsWith(`| ${name} `)) ?? ''
    // The floor's cell, padded to the column's width, then the ratio's.
    const cites = (floor: string, ratio: number) => new RegExp(`\\(${floor}\\) *\\| ${ratio.toFixed(2)}x`)
    const scan = json.scenarios.scan
    expect(scan.via.scan, JSON.stringify(scan.via)).toBeGreaterThan(0)
    expect(rowOf('scan')).toMatch(cites('floor-scan-paired', scan.p50_ms / json.scenarios['floor-scan-paired'].p50_ms))
    const cached = json.scenarios.cached
    expect(cached.via.cache, JSON.stringify(cached.via)).toBeGreaterThan(0)
    expect(rowOf('cached')).toMatch(cites('floor-fetch-paired-cached', cached.p50_ms / json.scenarios['floor-fetch-paired-cached'].p50_ms))
  })

  it('pnpm bench:cold: writes cold and compiled timings, and what they leave under each goal', async () => {
    const out = join(tempDir(), 'cold.json')
    const { code, stdout, stderr } = await runBench(['--runs', '2', '--out', out], COLD)
    expect(code, stderr).toBe(0)
    const json = JSON.parse(await readFile(out, 'utf8'))
    expect(Object.keys(json.scenarios).sort()).toEqual(['check', 'floorAfterJoin', 'floorCold', 'floorWarm', 'joinAfterFetch', 'joinCold', 'joinWarm', 'storage'])
    // Two rounds, one of each order: whichever is first in its page is so in one of them.
    const perOrder = ['floorCold', 'joinCold', 'floorAfterJoin', 'joinAfterFetch']
    for (const [name, s] of Object.entries(json.scenarios as Record<string, { runs: number; p50_ms: number; mean_ms: number }>)) {
      expect(s.runs, name).toBe(perOrder.includes(name) ? 1 : 2)
      expect(Number.isFinite(s.p50_ms) && Number.isFinite(s.mean_ms), name).toBe(true)
    }
    expect(json.derived.cached_allowance_at_1_2x_ms).toBeCloseTo(0.2 * json.scenarios.floorCold.p50_ms, 1)
    expect(stdout).toContain(`| localStorage, first read (context restored with a record) | ${json.scenarios.storage.p50_ms} |`)
    // The compile check: each way imported and joined in both rounds, and the hint's moves derived from them.
    type Row = { runs: number; p50_ms: number }
    const compile = json.compile.scenarios as Record<'plain' | 'hinted' | 'noLazy', Record<'imported' | 'listed' | 'live', Row>>
    expect(Object.keys(compile).sort()).toEqual(['hinted', 'noLazy', 'plain'])
    for (const [way, rows] of Object.entries(compile)) {
      expect(Object.keys(rows).sort(), way).toEqual(['imported', 'listed', 'live'])
      for (const [k, s] of Object.entries(rows)) expect(s.runs === 2 && Number.isFinite(s.p50_ms), `${way} ${k}`).toBe(true)
    }
    expect(json.compile.derived.hint_live_ms).toBeCloseTo(compile.hinted.live.p50_ms - compile.plain.live.p50_ms, 1)
    expect(stdout).toContain(`| with the compile hint | ${compile.hinted.imported.p50_ms} | ${compile.hinted.listed.p50_ms} | ${compile.hinted.live.p50_ms} |`)
  })
})
