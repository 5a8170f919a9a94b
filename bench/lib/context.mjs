/**
 * What every bench scenario is handed: the options, which scenarios were asked for, the port plan, and
 * record(). A --quick run writes to a scratch directory unless --out says otherwise: only a full run
 * may replace the committed reference in bench/results/.
 */
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { summarize } from './stats.mjs'

// Every scenario its own ports, inside the bench's 24000-24999 (the tests use 22000-23999).
export const PORTS = {
  floorPage: 24100, floorFetch: 24101, floorWs: 24102,
  // The same shape as `scan`: 11 ports, the first empty, the other 10 answering.
  floorScan: [24110, 24120], floorScanOpen: [24111, 24120],
  mesh: [24000, 24010], extra: 24011,
  convN: [24300, 24340], join64: [24400, 24410],
  seedRegistry: 24500, seedScan: [24600, 24610], seedScanOpen: [24601, 24610],
  mdns: [24700, 24719], startup: [24720, 24729], mcp: [24800, 24819], floorNode: 24830, rooms: [24840, 24859]
  // bench/room-costs.mjs uses 24860-24899
}

export const createContext = (argv = process.argv.slice(2)) => {
  const { values: opts } = parseArgs({ args: argv, options: { quick: { type: 'boolean' }, only: { type: 'string' }, out: { type: 'string' } }, strict: true })
  const quick = !!opts.quick
  const only = opts.only ? new Set(opts.only.split(',')) : null
  const t0 = performance.now()
  const scenarios = {}
  const progress = (s) => process.stderr.write(`[bench ${((performance.now() - t0) / 1000).toFixed(1)}s] ${s}\n`)
  const ctx = {
    quick,
    t0,
    runs: quick ? 5 : 20,
    // The joins (registry, scan, cached, each with its live attach and paired floors) are the closest to
    // their goals: with 20 fresh pages their p50 moved by 0.2-0.3 ms between runs of the same code, as
    // much as the margin, so they take 60 (interleaved A/Bs of 150 pages moved by under 0.1 ms).
    joinRuns: quick ? 5 : 60,
    sizes: quick ? [1, 4, 8] : [1, 4, 8, 16, 32],
    out: resolve(opts.out ?? (quick ? join(tmpdir(), 'peer-plan-bench-quick') : fileURLToPath(new URL('../results/', import.meta.url)))),
    scenarios,
    progress,
    wants: (name) => !only || only.has(name) || [...only].some((o) => o.endsWith('@N') && name.startsWith(o.slice(0, -1))),
    /** Any of these asked for. */
    wantsAny: (...names) => names.some((n) => ctx.wants(n)),
    record: (name, samples, extra = {}) => {
      scenarios[name] = { ...summarize(samples), ...extra }
      const s = scenarios[name]
      progress(`${name}: p50 ${s.p50_ms} ms, p95 ${s.p95_ms} ms, max ${s.max_ms} ms (${s.runs} runs)`)
    }
  }
  return ctx
}
