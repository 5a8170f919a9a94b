#!/usr/bin/env node
/**
 * pnpm bench: discovery timing in real headless Chromium against real peer-plan-node processes, every
 * figure beside a floor measured in the same run. See bench/README.md for the scenarios and the schema
 * of bench/results/latest.json.
 *
 *   node bench/run.mjs [--quick] [--only a,b,...] [--out DIR]
 */
import { cpus, totalmem, release, platform } from 'node:os'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { summarize } from './lib/stats.mjs'
import { followDirectory, health, makeHome, rssMiB, sleep, spawnPeer, stopAll, stopPeer, until } from './lib/peers.mjs'
import { freshPage, joinInPage, launch, loadLibrary } from './lib/browser.mjs'
import { startTrivialHttp, startTrivialWs } from './lib/floors.mjs'
import { startSeedRegistry } from './seed/registry-server.mjs'
import { renderChart, renderTable } from './lib/report.mjs'
import { runMcpScenarios } from './mcp.mjs'
import { runRoomScenarios } from './rooms.mjs'

const { values: opts } = parseArgs({
  options: { quick: { type: 'boolean' }, only: { type: 'string' }, out: { type: 'string' } },
  strict: true
})
const QUICK = !!opts.quick
const RUNS = QUICK ? 5 : 20
const SIZES = QUICK ? [1, 4, 8] : [1, 4, 8, 16, 32]
const OUT = resolve(opts.out ?? fileURLToPath(new URL('./results/', import.meta.url)))
const only = opts.only ? new Set(opts.only.split(',')) : null
const wants = (name) => !only || only.has(name) || [...only].some((o) => o.endsWith('@N') && name.startsWith(o.slice(0, -1)))
const progress = (s) => process.stderr.write(`[bench ${((performance.now() - T0) / 1000).toFixed(1)}s] ${s}\n`)
const T0 = performance.now()
process.setMaxListeners(0)

// Ports: every scenario its own, away from the test suite's 22000-22999 and bench/scale's 23000s.
const P = {
  floorPage: 24100, floorFetch: 24101, floorWs: 24102, floorScan: [24110, 24120], floorScanOpen: [24110, 24116],
  mesh: [24000, 24010], extra: 24011,
  regN: [24200, 24240], convN: [24300, 24340],
  seedRegistry: 24500, seedScan: [24600, 24610], seedScanOpen: [24600, 24606],
  mdns: [24700, 24719]
}

const scenarios = {}
const record = (name, samples, extra = {}) => {
  scenarios[name] = { ...summarize(samples), ...extra }
  const s = scenarios[name]
  progress(`${name}: p50 ${s.p50_ms} ms, p95 ${s.p95_ms} ms, max ${s.max_ms} ms (${s.runs} runs)`)
}

const browser = await launch()

// ---- Floors: trivial loopback servers, nothing of peer-plan ----------------------------------------
const floorServers = []
if (wants('floor-fetch') || wants('floor-ws') || wants('floor-scan') || wants('seed-scan-ws')) {
  floorServers.push(await startTrivialHttp(P.floorPage), await startTrivialHttp(P.floorFetch), await startTrivialWs(P.floorWs))
  for (const port of P.floorScanOpen) floorServers.push(await startTrivialHttp(port))
  const floorPage = `http://127.0.0.1:${P.floorPage}/`
  const inFreshPage = async (fn, arg) => {
    const { ctx, page } = await freshPage(browser, floorPage)
    try {
      return await page.evaluate(fn, arg)
    } finally {
      await ctx.close()
    }
  }
  if (wants('floor-fetch')) {
    progress('floor-fetch: one cross-origin fetch from a fresh page')
    const xs = []
    for (let i = 0; i < RUNS; i++) {
      xs.push(await inFreshPage(async (url) => { const t = performance.now(); await (await fetch(url, { cache: 'no-store' })).json(); return performance.now() - t }, `http://127.0.0.1:${P.floorFetch}/x`))
    }
    record('floor-fetch', xs)
  }
  if (wants('floor-ws')) {
    progress('floor-ws: one WebSocket open from a fresh page')
    const xs = []
    for (let i = 0; i < RUNS; i++) {
      xs.push(await inFreshPage((url) => new Promise((res, rej) => { const t = performance.now(); const ws = new WebSocket(url); ws.onopen = () => { res(performance.now() - t); ws.close() }; ws.onerror = () => rej(new Error('ws failed')) }), `ws://127.0.0.1:${P.floorWs}/`))
    }
    record('floor-ws', xs)
  }
  if (wants('floor-scan')) {
    progress('floor-scan: parallel fetch over 11 ports, 2 open')
    const xs = []
    const settled = []
    for (let i = 0; i < RUNS; i++) {
      const r = await inFreshPage(async ([a, b]) => {
        const t = performance.now()
        let first = null
        await Promise.allSettled(Array.from({ length: b - a + 1 }, (_, k) => fetch(`http://127.0.0.1:${a + k}/x`, { cache: 'no-store' }).then((r) => r.json()).then(() => { first ??= performance.now() - t })))
        return { first, all: performance.now() - t }
      }, P.floorScan)
      xs.push(r.first)
      settled.push(r.all)
    }
    record('floor-scan', xs, { all_settled_p50_ms: summarize(settled).p50_ms })
  }
}

// ---- The main mesh: 10 peers on 24001-24010, range 24000-24010 (24000 left empty) --------------------
const home = makeHome()
let mesh = []
const meshArgs = ['--ports', `${P.mesh[0]}-${P.mesh[1]}`]
const needsMesh = ['registry', 'scan', 'cached', 'propagate', 'evict', 'failover', 'seed-registry-poll-propagate', 'seed-registry-poll-evict'].some(wants)
if (needsMesh) {
  progress('starting 10 peers')
  mesh = await Promise.all(Array.from({ length: 10 }, (_, i) => spawnPeer({ home, args: [...meshArgs, '--port', String(P.mesh[0] + 1 + i)] })))
  await until(async () => (await Promise.all(mesh.map(health))).every((h) => h.peers === 10), 'the 10-peer mesh to converge')
}
const pageOrigin = () => `${mesh[mesh.length - 1].url}/health`

/** How often each source won: with the default 100 ms grace a slow preferred source can lose to a fast one. */
const countVia = (vias) => Object.fromEntries([...new Set(vias)].map((v) => [v, vias.filter((x) => x === v).length]))
const checkJoin = (name, r, n) => {
  if (r.peers !== n) throw new Error(`${name}: joinMesh resolved with ${r.peers} peers, expected ${n} (${r.sources})`)
}

const joinRuns = async (name, options) => {
  const xs = []
  const vias = []
  for (let i = 0; i < RUNS; i++) {
    const { ctx, page } = await freshPage(browser, pageOrigin())
    await loadLibrary(page)
    const r = await joinInPage(page, options)
    checkJoin(name, r, 10)
    xs.push(r.synced)
    vias.push(r.via)
    await ctx.close()
  }
  record(name, xs, { via: countVia(vias) })
}

if (wants('registry')) {
  progress('registry: fresh page, joinMesh, first port alive')
  await joinRuns('registry', { ports: [P.mesh[0] + 1, P.mesh[1] + 1], cache: false })
}
if (wants('scan')) {
  progress('scan: fresh page, joinMesh, first port empty')
  await joinRuns('scan', { ports: P.mesh, cache: false })
}
if (wants('cached')) {
  progress('cached: the same page reloaded, with its IndexedDB cache')
  const { ctx, page } = await freshPage(browser, pageOrigin())
  await loadLibrary(page)
  await joinInPage(page, { ports: P.mesh })
  // page.evaluate awaits the promise (waitForFunction would take the Promise object itself as truthy
  // and reload before the first save). The connection is closed at once: an open one would block the
  // library's upgrade of the database.
  const cacheWritten = () => page.evaluate(() => new Promise((res) => { const q = indexedDB.open('peer-plan'); q.onsuccess = () => { const db = q.result; try { const g = db.transaction('last-known').objectStore('last-known').getAll(); g.onsuccess = () => { db.close(); res(g.result.length > 0 && g.result[0].peers.length === 10) } } catch { db.close(); res(false) } } }))
  await until(cacheWritten, 'the cache to be written', 10000)
  const xs = []
  const vias = []
  for (let i = 0; i < RUNS; i++) {
    await page.reload()
    await loadLibrary(page)
    const r = await joinInPage(page, { ports: P.mesh })
    checkJoin('cached', r, 10)
    xs.push(r.synced)
    vias.push(r.via)
    if (r.via !== 'cache') progress(`cached: run ${i + 1} found the mesh via ${r.via}: ${r.sources}`)
  }
  record('cached', xs, { via: countVia(vias) })
  await ctx.close()
}

// A page that follows the mesh, for the live scenarios.
let follower = null
const follow = async () => {
  if (follower) return follower
  follower = await freshPage(browser, pageOrigin())
  await loadLibrary(follower.page)
  await joinInPage(follower.page, { ports: P.mesh, cache: false })
  return follower
}
const mark = (kind, id) => follower.page.evaluate(([kind, id]) => window.marks[kind][id] ?? null, [kind, id])

if (wants('propagate') || wants('evict')) {
  await follow()
  const prop = []
  const evict = []
  progress('propagate / evict: a peer joins, then is SIGKILLed')
  for (let i = 0; i < RUNS; i++) {
    const extra = await spawnPeer({ home, args: [...meshArgs, '--port', String(P.extra)] })
    const added = await until(() => mark('added', extra.id), 'peer-added').then(() => mark('added', extra.id))
    // startedAt is written right after the HTTP server is listening.
    prop.push(added.at - added.startedAt)
    await sleep(50)
    const killedAt = Date.now()
    extra.proc.kill('SIGKILL')
    await until(() => mark('removed', extra.id), 'peer-removed')
    evict.push((await mark('removed', extra.id)) - killedAt)
    await stopPeer(extra, 'SIGKILL')
  }
  if (wants('propagate')) record('propagate', prop)
  if (wants('evict')) record('evict', evict)
}

if (wants('failover')) {
  await follow()
  progress('failover: SIGKILL of the page\'s current peer')
  const xs = []
  for (let i = 0; i < RUNS; i++) {
    const currentId = await follower.page.evaluate(() => window.mesh.current?.id)
    const victim = mesh.find((p) => p.id === currentId)
    const before = await follower.page.evaluate(() => window.marks.connected.length)
    const killedAt = Date.now()
    victim.proc.kill('SIGKILL')
    await until(() => follower.page.evaluate((n) => window.marks.connected.length > n && window.mesh.current && window.mesh.status === 'connected', before), 'failover')
    const at = await follower.page.evaluate((n) => window.marks.connected[n].at, before)
    xs.push(at - killedAt)
    await stopPeer(victim, 'SIGKILL')
    // Put a peer back on the same port so the mesh stays at 10.
    const again = await spawnPeer({ home, args: [...meshArgs, '--port', String(victim.port)] })
    mesh = mesh.map((p) => (p === victim ? again : p))
    await until(async () => (await follower.page.evaluate(() => window.mesh.peers.length)) === 10, 'the replacement to appear')
  }
  record('failover', xs)
}

// ---- The seed's registry server, polled every 5 s ------------------------------------------------------
if (wants('seed-registry-poll-propagate') || wants('seed-registry-poll-evict')) {
  progress(`seed registry server: ${RUNS} pages polling every 5 s at random phases`)
  const seed = await startSeedRegistry(home, P.seedRegistry)
  // The evict victim is there before the pages load; the newcomer comes as the victim dies, so both events
  // fall at a random phase of every page's polling and one 5 s period covers both.
  const victim = await spawnPeer({ home, args: [...meshArgs, '--port', String(P.extra + 1)] })
  const pages = []
  for (let i = 0; i < RUNS; i++) {
    const { ctx, page } = await freshPage(browser, pageOrigin())
    await page.evaluate((url) => {
      window.seen = {}
      window.gone = {}
      const poll = async () => {
        try {
          const { servers } = await (await fetch(url, { cache: 'no-store' })).json()
          const now = Date.now()
          const ids = new Set(servers.map((s) => s.id))
          for (const s of servers) window.seen[s.id] ??= { at: now, startedAt: s.startedAt }
          for (const id of Object.keys(window.seen)) if (!ids.has(id)) window.gone[id] ??= now
        } catch {}
      }
      // As the spike: poll on load, then every 5 s (here at a random phase of the period).
      poll()
      setTimeout(() => { poll(); setInterval(poll, 5000) }, Math.random() * 5000)
    }, `http://127.0.0.1:${P.seedRegistry}/registry`)
    pages.push({ ctx, page })
  }
  await Promise.all(pages.map(({ page }) => page.waitForFunction((id) => window.seen[id], victim.id, { timeout: 15000 })))
  const killedAt = Date.now()
  victim.proc.kill('SIGKILL')
  const extra = await spawnPeer({ home, args: [...meshArgs, '--port', String(P.extra)] })
  const [seen, gone] = await Promise.all([
    Promise.all(pages.map(async ({ page }) => {
      await page.waitForFunction((id) => window.seen[id], extra.id, { timeout: 15000 })
      return page.evaluate((id) => window.seen[id].at - window.seen[id].startedAt, extra.id)
    })),
    Promise.all(pages.map(async ({ page }) => {
      await page.waitForFunction((id) => window.gone[id], victim.id, { timeout: 15000 })
      return page.evaluate((id) => window.gone[id], victim.id)
    }))
  ])
  if (wants('seed-registry-poll-propagate')) record('seed-registry-poll-propagate', seen)
  if (wants('seed-registry-poll-evict')) record('seed-registry-poll-evict', gone.map((t) => t - killedAt))
  await stopPeer(extra)
  await stopPeer(victim, 'SIGKILL')
  for (const { ctx } of pages) await ctx.close()
  seed.close()
}

// ---- The seed's WebSocket port scan: 11 ports, 500 ms timeout, 5 scans in a row per page -----------------
if (wants('seed-scan-ws')) {
  progress('seed-scan-ws: WebSocket probe of 11 ports (2 open), 5 times in a row per page')
  const wsServers = await Promise.all(P.seedScanOpen.map(startTrivialWs))
  const xs = []
  const byRound = [[], [], [], [], []]
  for (let p = 0; p < Math.ceil(RUNS / 5); p++) {
    const { ctx, page } = await freshPage(browser, `http://127.0.0.1:${P.floorPage}/`)
    const times = await page.evaluate(async ([a, b]) => {
      const probe = (port) => new Promise((res) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/`)
        const done = (ok) => { clearTimeout(timer); try { ws.close() } catch {} res(ok) }
        const timer = setTimeout(() => done(false), 500)
        ws.onopen = () => done(true)
        ws.onerror = () => done(false)
      })
      const out = []
      for (let round = 0; round < 5; round++) {
        const t = performance.now()
        await Promise.all(Array.from({ length: b - a + 1 }, (_, k) => probe(a + k)))
        out.push(performance.now() - t)
      }
      return out
    }, P.seedScan)
    times.forEach((t, i) => (xs.push(t), byRound[i].push(t)))
    await ctx.close()
  }
  record('seed-scan-ws', xs, { p50_by_round_ms: byRound.map((r) => summarize(r).p50_ms) })
  for (const s of wsServers) s.close()
}

// ---- mDNS on loopback: two homes, so only mDNS can join them ------------------------------------------------
if (wants('mdns')) {
  progress('mdns: a newcomer in another home, publish -> listed in the first peer\'s directory')
  // --mdns in the args: the spawner passes --no-mdns only to peers whose caller chose no mode.
  const mdnsArgs = ['--ports', `${P.mdns[0]}-${P.mdns[1]}`, '--mdns', 'loopback']
  const anchor = followDirectory(await spawnPeer({ home: makeHome(), args: mdnsArgs }))
  const xs = []
  for (let i = 0; i < RUNS; i++) {
    const newcomer = await spawnPeer({ home: makeHome(), args: [...mdnsArgs, '--log-level', 'debug'] })
    await until(() => anchor.doc.getMap('peers').has(newcomer.id), 'the newcomer in the anchor\'s directory', 10000)
    const listedAt = Date.now()
    const publishedAt = Number(/mDNS published \S+ on \S+ at=(\d+)/.exec(newcomer.stderr())?.[1])
    xs.push(listedAt - publishedAt)
    await stopPeer(newcomer)
    await until(() => !anchor.doc.getMap('peers').has(newcomer.id), 'the newcomer to leave', 10000)
  }
  record('mdns', xs)
  anchor.provider.destroy()
  await stopPeer(anchor)
}

if (follower) await follower.ctx.close()
await stopAll(mesh)
for (const s of floorServers) s.close()

// ---- Scale: converge@N and registry@N ---------------------------------------------------------------------
const lists = (p, n) => p.doc.getMap('peers').size === n
for (const n of SIZES) {
  if (!wants(`converge@${n}`) && !wants(`registry@${n}`)) continue
  progress(`converge@${n}: cold starts of ${n} peers`)
  const xs = []
  let peers = []
  // Each converge run cold-starts n processes; quick mode keeps it to 3 so the whole run stays under a minute.
  const runs = wants(`converge@${n}`) ? (QUICK ? 3 : RUNS) : 1
  for (let i = 0; i < runs; i++) {
    const h = makeHome()
    peers = await Promise.all(Array.from({ length: n }, (_, k) => spawnPeer({ home: h, args: ['--ports', `${P.convN[0]}-${P.convN[1]}`, '--port', String(P.convN[0] + k)] }).then(followDirectory)))
    const lastReady = Math.max(...peers.map((p) => p.readyAt))
    const done = await until(() => peers.every((p) => lists(p, n)), `converge@${n}`)
    xs.push(done - lastReady)
    if (i < runs - 1) {
      for (const p of peers) p.provider.destroy()
      await stopAll(peers, 'SIGKILL')
    }
  }
  // Settle, then count what the mesh holds open and what a peer weighs.
  await sleep(QUICK ? 500 : 1500)
  const hs = await Promise.all(peers.map(health))
  const connections = hs.reduce((s, h) => s + h.links.outbound, 0)
  const rss = peers.reduce((s, p) => s + rssMiB(p.pid), 0) / n
  const extra = { n, connections, connections_full_mesh: (n * (n - 1)) / 2, rss_mib_per_peer: Math.round(rss * 10) / 10 }
  if (wants(`converge@${n}`)) record(`converge@${n}`, xs, extra)

  if (wants(`registry@${n}`)) {
    const rs = []
    const vias = []
    for (let i = 0; i < RUNS; i++) {
      const { ctx, page } = await freshPage(browser, `${peers[peers.length - 1].url}/health`)
      await loadLibrary(page)
      const r = await joinInPage(page, { ports: P.convN, cache: false })
      checkJoin(`registry@${n}`, r, n)
      rs.push(r.synced)
      vias.push(r.via)
      await ctx.close()
    }
    record(`registry@${n}`, rs, { ...extra, via: countVia(vias) })
  }
  for (const p of peers) p.provider.destroy()
  await stopAll(peers, 'SIGKILL')
}

// ---- MCP: an agent's view, no browser (bench/mcp.mjs) ------------------------------------------------------
await runMcpScenarios({ wants, record, runs: RUNS, progress })

// ---- Rooms across the mesh, no browser (bench/rooms.mjs) ----------------------------------------------------
await runRoomScenarios({ wants, record, runs: RUNS, progress })

const chromium = `Chromium ${browser.version()}`
await browser.close()

const result = {
  scenarios,
  machine: {
    cpus: cpus().length,
    cpu_model: cpus()[0]?.model ?? 'unknown',
    memory_gib: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()}`,
    node: process.version,
    chromium
  },
  mode: QUICK ? 'quick' : 'full',
  runs_per_scenario: RUNS,
  at: new Date().toISOString(),
  duration_s: Math.round((performance.now() - T0) / 100) / 10
}
mkdirSync(OUT, { recursive: true })
writeFileSync(join(OUT, 'latest.json'), JSON.stringify(result, null, 2) + '\n')
writeFileSync(join(OUT, 'latest.svg'), renderChart(result))
process.stdout.write(renderTable(result) + '\n')
progress(`done: ${join(OUT, 'latest.json')}, ${join(OUT, 'latest.svg')}`)
process.exit(0)
