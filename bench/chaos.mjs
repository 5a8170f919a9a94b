#!/usr/bin/env node
/**
 * pnpm chaos: N real peers through random SIGKILL, SIGSTOP (and a later SIGCONT), SIGTERM and restarts,
 * with a headless Chromium page following the mesh through joinMesh(). After each fault it times how
 * long until every running peer's /registry and the page list exactly the running peers, and it judges
 * the run (bench/lib/chaos-watch.mjs): false evictions, stale entries, crashes, servers.json against the
 * live pids. Prints a table, writes a JSON file, exits 1 if any anomaly passed its bound.
 *
 *   node bench/chaos.mjs [--peers 8] [--seconds 60] [--seed X] [--ports 23100-23139] [--out FILE]
 *                        [--missing-ms 5000] [--stale-ms 10000] [--file-ms 5000] [--agree-ms 20000]
 */
import { readFile, writeFile } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { freshPage, joinInPage, launch, loadLibrary } from './lib/browser.mjs'
import { ChaosFleet } from './lib/chaos-fleet.mjs'
import { ChaosWatch } from './lib/chaos-watch.mjs'
import { dropExtraCaCerts, extraCaCertsNote } from './lib/environment.mjs'
import { makeHome, sleep } from './lib/peers.mjs'
import { summarize } from './lib/stats.mjs'

// Before anything is started, as in pnpm bench: peers start as an agent's would (lib/environment.mjs).
const extraCaCerts = dropExtraCaCerts()
const { values: o } = parseArgs({
  strict: true,
  options: {
    peers: { type: 'string', default: '8' }, seconds: { type: 'string', default: '60' }, seed: { type: 'string' },
    ports: { type: 'string', default: '23100-23139' }, out: { type: 'string' },
    'missing-ms': { type: 'string', default: '5000' }, 'stale-ms': { type: 'string', default: '10000' },
    'file-ms': { type: 'string', default: '5000' }, 'agree-ms': { type: 'string', default: '20000' }
  }
})
const num = (k, min, max) => {
  const n = Number(o[k])
  if (!Number.isInteger(n) || n < min || n > max) {
    process.stderr.write(`chaos: --${k} takes a whole number from ${min} to ${max}\n`)
    process.exit(2)
  }
  return n
}
const N = num('peers', 3, 64)
const SECONDS = num('seconds', 1, 3600)
const SEED = o.seed !== undefined ? num('seed', 0, 2 ** 32 - 1) : Date.now() % 2 ** 32
const RANGE = /^(\d+)-(\d+)$/.exec(o.ports)?.slice(1).map(Number)
if (!RANGE || RANGE[1] - RANGE[0] + 1 < N + 4) {
  process.stderr.write(`chaos: --ports A-B needs room for --peers plus 4, got ${o.ports}\n`)
  process.exit(2)
}
const BOUNDS = { missingMs: num('missing-ms', 100, 600000), staleMs: num('stale-ms', 100, 600000), fileMs: num('file-ms', 100, 600000) }
const AGREE_MS = num('agree-ms', 100, 600000)
const OUT = resolve(o.out ?? join(tmpdir(), `peer-plan-chaos-${Date.now()}.json`))
const T0 = performance.now()
const log = (s) => process.stderr.write(`[chaos ${((performance.now() - T0) / 1000).toFixed(1)}s] ${s}\n`)

/** mulberry32: the same seed picks the same faults in the same order (the timings are the machine's). */
const rng = ((a) => () => {
  a = (a + 0x6d2b79f5) | 0
  let t = Math.imul(a ^ (a >>> 15), 1 | a)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
})(SEED)
const pick = (xs) => xs[Math.floor(rng() * xs.length)]

const home = makeHome()
const watch = new ChaosWatch(BOUNDS)
const fleet = new ChaosFleet({ home, ports: o.ports, watch, log })
let browser = null
let page = null
let pageSince = 0

// Ctrl-C reaches the peers too; the exit handlers of bench/lib/peers.mjs kill what is left and remove
// the temporary home. Playwright closes Chromium on SIGINT itself; SIGTERM is ours to finish.
const interrupt = (sig) => {
  log(`${sig}: cleaning up`)
  const closing = browser ? browser.close().catch(() => {}) : Promise.resolve()
  void Promise.race([closing, sleep(3000)]).then(() => process.exit(sig === 'SIGINT' ? 130 : 143))
}
process.once('SIGINT', () => interrupt('SIGINT'))
process.once('SIGTERM', () => interrupt('SIGTERM'))

// ---- sampling: signals are sent between samples, so no sample straddles one (nor waits on a stopped peer)
const queued = []
let sampling = true
const between = (fn) => new Promise((res) => queued.push(() => res(fn())))
const registryIds = async (url) => {
  try {
    const r = await fetch(`${url}/registry`, { signal: AbortSignal.timeout(2000) })
    return (await r.json()).peers.map((p) => p.id)
  } catch {
    return null
  }
}
const pageIds = () =>
  Promise.race([page.evaluate(() => window.mesh.peers.map((p) => p.id)), sleep(2000).then(() => null)]).catch(() => null)
const fileEntries = async () => {
  try {
    return JSON.parse(await readFile(join(home, 'servers.json'), 'utf8')).peers
  } catch {
    return null
  }
}
let lastFile = 0
const sampleOnce = async () => {
  const t0 = performance.now()
  const obs = fleet.running()
  const readFileNow = t0 - lastFile > 200
  const [regs, pageView, file] = await Promise.all([Promise.all(obs.map((r) => registryIds(r.url))), page ? pageIds() : null, readFileNow ? fileEntries() : null])
  if (readFileNow) lastFile = t0
  const views = new Map()
  obs.forEach((r, i) => r.state === 'running' && views.set(r.id, { since: r.since, ids: regs[i] }))
  if (page) views.set('page', { since: pageSince, ids: pageView })
  watch.ingest({ t0, t1: performance.now(), truth: fleet.truth(), views, file })
}
const sampler = (async () => {
  while (sampling) {
    for (const fn of queued.splice(0)) fn()
    await sampleOnce()
    await sleep(20)
  }
  for (const fn of queued.splice(0)) fn()
})()

/** Waits (bounded) for the first agreeing sample after time t; the agreement in ms, or null. */
const agreement = async (t, what) => {
  const w = watch.fault(t)
  const deadline = t + AGREE_MS
  while (w.at === null && performance.now() < deadline) await sleep(5)
  if (w.at === null) watch.anomaly('no-agreement', { after: what, waited_ms: AGREE_MS })
  return w.at === null ? null : Math.round(w.at - t)
}

// ---- faults
const faults = []
const choose = () => {
  const running = fleet.running()
  const stopped = fleet.stopped()
  const options = []
  if (running.length + stopped.length < N) options.push(['start', 3])
  // Counted in faults, not seconds, so that a seed replays the same choices on a slower machine.
  if (stopped.length) options.push(['cont', stopped.some((s) => faults.length - s.stoppedAtFault >= 3) ? 50 : 2])
  if (running.length > 2) {
    options.push(['kill', 2], ['term', 2])
    if (stopped.length < Math.max(1, Math.floor(N / 4))) options.push(['stop', 1.5])
  }
  let r = rng() * options.reduce((a, [, w]) => a + w, 0)
  const kind = options.find(([, w]) => (r -= w) < 0)?.[0] ?? options[0][0]
  return { kind, target: kind === 'cont' ? pick(stopped) : kind === 'start' ? null : pick(running) }
}
const SIGNALS = { kill: 'SIGKILL', term: 'SIGTERM', stop: 'SIGSTOP', cont: 'SIGCONT' }
const apply = async ({ kind, target }) => {
  if (kind === 'stop') target.stoppedAtFault = faults.length
  if (kind !== 'start') return { rec: target, at: await between(() => fleet.signal(target, SIGNALS[kind])) }
  try {
    const rec = await fleet.start()
    return { rec, at: rec.since }
  } catch (err) {
    watch.anomaly('start-failed', { problem: err.message.slice(0, 300) })
    return null
  }
}

// ---- the run
log(`${N} peers, ${SECONDS} s, seed ${SEED}, ports ${o.ports}, home ${home}`)
const setUp = async () => {
  await Promise.all(Array.from({ length: N }, () => fleet.start()))
  const peersMs = await agreement(performance.now(), 'the initial start')
  browser = await launch()
  ;({ page } = await freshPage(browser, `${fleet.running()[0].url}/health`))
  await loadLibrary(page)
  const joined = await joinInPage(page, { ports: RANGE, timeoutMs: 10000 })
  pageSince = performance.now()
  return { joined, initial: { peers_ms: peersMs, page_ms: await agreement(pageSince, 'the page joining') } }
}
const { joined, initial } = await setUp().catch((err) => {
  // Not a finding about the mesh under faults: the run could not begin. Exit handlers clean up.
  process.stderr.write(`chaos: could not set up the run: ${err.message}\n`)
  process.exit(2)
})
log(`mesh of ${N} agreed; page joined via ${joined.via}; chaos for ${SECONDS} s`)

const chaosEnd = performance.now() + SECONDS * 1000
while (performance.now() < chaosEnd && faults.length < SECONDS * 20) {
  const action = choose()
  const done = await apply(action)
  if (!done) continue
  const ms = await agreement(done.at, `${action.kind} ${done.rec.id}`)
  faults.push({ kind: action.kind, peer: done.rec.id, port: done.rec.port, at_s: Math.round(done.at - T0) / 1000, agreement_ms: ms })
  log(`${action.kind.padEnd(5)} ${done.rec.id} :${done.rec.port}  agreement ${ms ?? 'NONE'} ms  (${fleet.running().length} running, ${fleet.stopped().length} stopped)`)
  await sleep(100 + rng() * 400)
}

// Settle: everything stopped runs again, the mesh must agree once more, then every peer is SIGTERMed.
const stoppedLeft = fleet.stopped()
let settle = null
if (stoppedLeft.length) settle = await agreement(await between(() => stoppedLeft.map((r) => fleet.signal(r, 'SIGCONT')).at(-1)), 'the final SIGCONT')
const pageFailovers = await page.evaluate(() => window.mesh.timings.failovers.length).catch(() => null)
sampling = false
await sampler
await fleet.stopAll()
await browser.close().catch(() => {})

// ---- report
const byKind = Object.fromEntries(['kill', 'term', 'stop', 'cont', 'start'].map((k) => [k, summarize(faults.filter((f) => f.kind === k).map((f) => f.agreement_ms ?? NaN))]))
const counts = Object.fromEntries(['false-eviction', 'stale-entry', 'crash', 'unclean-exit', 'servers-json', 'no-agreement', 'start-failed'].map((k) => [k, watch.anomalies.filter((a) => a.kind === k).length]))
const result = {
  peers: N, seconds: SECONDS, seed: SEED, ports: o.ports, bounds: { ...BOUNDS, agreeMs: AGREE_MS },
  duration_s: Math.round(performance.now() - T0) / 1000, samples: watch.samples, page: { via: joined.via, failovers: pageFailovers },
  initial, settle_ms: settle, agreement: { all: summarize(faults.map((f) => f.agreement_ms ?? NaN)), by_kind: byKind },
  anomaly_counts: counts, anomalies: watch.anomalies, longest: watch.longest, faults,
  machine: { cpus: cpus().length, cpu_model: cpus()[0]?.model, node: process.version, node_extra_ca_certs: extraCaCertsNote(extraCaCerts) }, at: new Date().toISOString()
}
await writeFile(OUT, JSON.stringify(result, null, 2) + '\n')

const fmt = (x) => (x === null || x === undefined ? '-' : String(Math.round(x)))
const rows = [['faults', 'count', 'agreement p50 ms', 'p95 ms', 'max ms']]
for (const [k, s] of [...Object.entries(byKind), ['all', result.agreement.all]]) rows.push([k, String(s.runs), fmt(s.p50_ms), fmt(s.p95_ms), fmt(s.max_ms)])
const bound = { 'false-eviction': `missing > ${BOUNDS.missingMs} ms`, 'stale-entry': `listed > ${BOUNDS.staleMs} ms`, 'servers-json': `wrong > ${BOUNDS.fileMs} ms`, 'no-agreement': `none in ${AGREE_MS} ms` }
const rows2 = [['anomaly', 'count', 'bound']]
for (const [k, c] of Object.entries(counts)) rows2.push([k, String(c), bound[k] ?? 'any'])
const table = (rs) => {
  const w = rs[0].map((_, i) => Math.max(...rs.map((r) => r[i].length)))
  const line = (r) => `| ${r.map((c, i) => c.padEnd(w[i])).join(' | ')} |`
  return [line(rs[0]), `|${w.map((x) => '-'.repeat(x + 2)).join('|')}|`, ...rs.slice(1).map(line)].join('\n')
}
const total = Object.values(counts).reduce((a, b) => a + b, 0)
process.stdout.write(`\npeer-plan chaos: ${N} peers, ${result.duration_s} s (${SECONDS} s of faults), seed ${SEED}, ${watch.samples} samples\n\n${table(rows)}\n\n${table(rows2)}\n\n`)
process.stdout.write(`longest: missing ${fmt(watch.longest.missing_ms)} ms, stale ${fmt(watch.longest.stale_ms)} ms, servers.json off ${fmt(watch.longest.file_ms)} ms; page failovers ${pageFailovers}\n`)
process.stdout.write(`${total ? `${total} ANOMALIES` : 'no anomalies'}; results in ${OUT}\n`)
process.exit(total ? 1 : 0)
