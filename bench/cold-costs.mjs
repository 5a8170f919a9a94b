#!/usr/bin/env node
/**
 * pnpm bench:cold: what a fresh page pays for running code it has never run, beside the same work with
 * the code already compiled. It explains the distance between `registry`/`cached` and `floor-fetch` in
 * the reference run (issue 12), with no peer-plan change behind it: every sample is a fresh browser
 * context, as there.
 *
 * - floor: one fetch to a trivial server; later a second to another trivial server (a new connection,
 *   a fetch the page has made before).
 * - join: joinMesh() through /registry of a 10-peer mesh; later a second against another 10-peer mesh
 *   (new connections, compiled code). Each until the full list (timings.peersKnown).
 * - Rounds alternate which of the first floor fetch and the first join goes first: the first request
 *   in a page also pays for the page's network machinery, so each is compared first in its page, and
 *   the join after one fetch is reported beside it.
 * - localStorage: the first read in a context restored with a cache record (as `cached`'s contexts are).
 * - entry check: parseRegistryResponse() of a real 10-peer /registry answer, first call in the page.
 * - compile: the bundle imported in a fresh page and a join until its live directory, three ways by
 *   turns: as built; with Chrome's compile hint as its first line (lib/compile-hint.mjs), so every
 *   function is compiled as it loads; and as built in a Chromium launched with
 *   `--js-flags=--no-lazy`, which an earlier A/B had used for the same question.
 *
 *   node bench/cold-costs.mjs [--runs 40] [--out FILE]
 *
 * The default run writes bench/results/cold-costs.json (quoted by the README); another --runs writes a
 * scratch file unless --out names one. Ports 24900-24929 (the bench's block; run it alone).
 */
import { writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { freshPage, launch, loadLibrary } from './lib/browser.mjs'
import { importAndJoin, startBundleServer } from './lib/compile-hint.mjs'
import { dropExtraCaCerts, extraCaCertsNote } from './lib/environment.mjs'
import { startTrivialHttp } from './lib/floors.mjs'
import { makeHome, spawnPeer, stopAll, until } from './lib/peers.mjs'

// Before anything is started, as in pnpm bench: peers start as an agent's would (lib/environment.mjs).
const extraCaCerts = dropExtraCaCerts()
const { values } = parseArgs({ options: { runs: { type: 'string', default: '40' }, out: { type: 'string' } } })
const RUNS = Number(values.runs)
// Rounds alternate which request goes first in the page: fewer than two leaves a row with no sample.
if (!Number.isInteger(RUNS) || RUNS < 2) {
  process.stderr.write(`bench:cold: --runs must be a whole number >= 2, got ${values.runs}\n`)
  process.exit(1)
}
const OUT = resolve(values.out ?? (RUNS === 40 ? fileURLToPath(new URL('./results/cold-costs.json', import.meta.url)) : join(tmpdir(), `peer-plan-cold-costs-${RUNS}.json`)))
const MESH_A = [24900, 24910]
const MESH_B = [24912, 24922]
const FLOORS = [24925, 24926]
const BUNDLES = 24927
const t0 = performance.now()
const progress = (s) => process.stderr.write(`[bench:cold ${((performance.now() - t0) / 1000).toFixed(1)}s] ${s}\n`)

/** Ten peers of their own home (their own mesh); `extra` args for each. */
const startMesh = async ([first, last], extra = []) => {
  const home = makeHome()
  const peers = []
  for (let i = 0; i < 10; i++) peers.push(await spawnPeer({ home, args: ['--ports', `${first}-${last}`, ...extra] }))
  return peers
}

const r2 = (x) => Math.round(x * 100) / 100

/** p50 and mean: Chromium's clock here ticks in 0.1 ms, so the mean of many runs is the finer figure. */
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return { runs: s.length, p50_ms: r2(s[Math.floor(s.length / 2)]), mean_ms: r2(s.reduce((a, b) => a + b, 0) / s.length) }
}

/**
 * In a fresh page: a floor fetch and a join, then another of each against the other servers (see the
 * top of this file). `joinFirst` says which of the first two goes first; the rounds alternate.
 */
const coldAndWarm = (page, joinFirst) =>
  page.evaluate(async ({ floors, meshA, meshB, joinFirst }) => {
    const fetchOnce = async (port) => {
      const t = performance.now()
      await (await fetch(`http://127.0.0.1:${port}/x`, { cache: 'no-store' })).json()
      return performance.now() - t
    }
    const joinOnce = async (ports) => {
      const m = await window.peerPlan.joinMesh({ ports, cache: false })
      const listed = m.timings.peersKnown
      if (m.peers.length !== 10 || m.via !== 'registry') throw new Error(`joined ${m.peers.length} peers via ${m.via}`)
      await m.live
      m.destroy()
      // Let the closed mesh's teardown finish before the next timing starts.
      await new Promise((r) => setTimeout(r, 50))
      return listed
    }
    // Whichever goes first in a page also pays for the page's first network request.
    if (joinFirst) {
      const joinCold = await joinOnce(meshA)
      const floorAfterJoin = await fetchOnce(floors[0])
      return { joinCold, floorAfterJoin, joinWarm: await joinOnce(meshB), floorWarm: await fetchOnce(floors[1]) }
    }
    const floorCold = await fetchOnce(floors[0])
    const joinAfterFetch = await joinOnce(meshA)
    return { floorCold, joinAfterFetch, floorWarm: await fetchOnce(floors[1]), joinWarm: await joinOnce(meshB) }
  }, { floors: FLOORS, meshA: MESH_A, meshB: MESH_B, joinFirst })

const firstStorageRead = async (browser, origin) => {
  const record = JSON.stringify({ current: `${origin}`, urls: Array.from({ length: 10 }, (_, i) => `http://127.0.0.1:${MESH_A[0] + i}`), savedAt: Date.now() })
  const ctx = await browser.newContext({ storageState: { cookies: [], origins: [{ origin, localStorage: [{ name: 'peer-plan:last-known:bench', value: record }] }] } })
  try {
    const page = await ctx.newPage()
    await page.goto(`${origin}/health`)
    return await page.evaluate(() => {
      const t = performance.now()
      localStorage.getItem('peer-plan:last-known:bench')
      return performance.now() - t
    })
  } finally {
    await ctx.close()
  }
}

const firstEntryCheck = async (browser, origin, registryUrl) => {
  const { ctx, page } = await freshPage(browser, `${origin}/health`)
  try {
    await loadLibrary(page)
    return await page.evaluate(async (url) => {
      const answer = await (await fetch(url, { cache: 'no-store' })).json()
      const t = performance.now()
      const parsed = window.peerPlan.parseRegistryResponse(answer)
      const ms = performance.now() - t
      if (parsed?.peers.length !== 10) throw new Error('the /registry answer did not check')
      return ms
    }, registryUrl)
  } finally {
    await ctx.close()
  }
}

const main = async () => {
  const meshA = await startMesh(MESH_A)
  const origin = `http://127.0.0.1:${meshA[9].port}`
  // Mesh B serves mesh A's page: it has its own range, so its peers must be told that origin.
  const meshB = await startMesh(MESH_B, ['--allow-origin', origin])
  const floors = await Promise.all(FLOORS.map(startTrivialHttp))
  const bundles = await startBundleServer(BUNDLES)
  const browser = await launch()
  const noLazy = await launch(['--js-flags=--no-lazy'])
  try {
    await until(async () => (await (await fetch(`${meshA[0].url}/registry`)).json()).peers.length === 10, 'mesh A to list 10 peers', 30000, 50)
    await until(async () => (await (await fetch(`${meshB[0].url}/registry`)).json()).peers.length === 10, 'mesh B to list 10 peers', 30000, 50)
    const rows = { floorCold: [], joinCold: [], joinAfterFetch: [], floorAfterJoin: [], floorWarm: [], joinWarm: [], storage: [], check: [] }
    const compile = { plain: [], hinted: [], noLazy: [] }
    const ways = { plain: [browser, bundles.url('plain')], hinted: [browser, bundles.url('hinted')], noLazy: [noLazy, bundles.url('plain')] }
    progress(`${RUNS} rounds, each: a page with two joins and two floor fetches (join or fetch first, by turns), a localStorage read, an entry check, three import-and-join pages`)
    for (let i = 0; i < RUNS; i++) {
      const { ctx, page } = await freshPage(browser, `${origin}/health`)
      await loadLibrary(page)
      const r = await coldAndWarm(page, i % 2 === 1)
      await ctx.close()
      for (const [k, v] of Object.entries(r)) rows[k].push(v)
      rows.storage.push(await firstStorageRead(browser, origin))
      rows.check.push(await firstEntryCheck(browser, origin, `${meshA[0].url}/registry`))
      const order = Object.keys(ways)
      for (const way of i % 2 ? order.reverse() : order) compile[way].push(await importAndJoin(ways[way][0], `${origin}/health`, ways[way][1], MESH_A))
    }
    return report(rows, compile)
  } finally {
    await browser.close()
    await noLazy.close()
    bundles.close()
    floors.forEach((f) => f.close())
    await stopAll([...meshA, ...meshB], 'SIGTERM')
  }
}

/** The compile check's rows, what the hint moves, and the table lines for it. */
const compileReport = (compile) => {
  const s = Object.fromEntries(Object.entries(compile).map(([way, runs]) => [way, Object.fromEntries(['imported', 'listed', 'live'].map((k) => [k, stats(runs.map((r) => r[k]))]))]))
  const moved = (k) => r2(s.hinted[k].p50_ms - s.plain[k].p50_ms)
  const derived = {
    hint_import_ms: moved('imported'),
    hint_list_ms: moved('listed'),
    hint_live_ms: moved('live'),
    hint_import_and_list_ms: r2(moved('imported') + moved('listed')),
    hint_import_and_live_ms: r2(moved('imported') + moved('live')),
    no_lazy_import_ms: r2(s.noLazy.imported.p50_ms - s.plain.imported.p50_ms)
  }
  const names = { plain: 'as built', hinted: 'with the compile hint', noLazy: 'as built, Chromium with --js-flags=--no-lazy' }
  const lines = [
    '',
    '| the bundle imported, then joinMesh() (fresh browser context each run) | import p50 ms | list p50 ms | live p50 ms |',
    '| --- | --- | --- | --- |',
    ...Object.keys(names).map((w) => `| ${names[w]} | ${s[w].imported.p50_ms} | ${s[w].listed.p50_ms} | ${s[w].live.p50_ms} |`),
    '',
    `The compile hint moves the import by ${derived.hint_import_ms} ms, the list by ${derived.hint_list_ms} ms and the live directory by ${derived.hint_live_ms} ms (p50):` +
      ` import and list ${derived.hint_import_and_list_ms} ms, import and live ${derived.hint_import_and_live_ms} ms. --no-lazy moves the import by ${derived.no_lazy_import_ms} ms.`
  ]
  return { scenarios: s, derived, lines }
}

const report = (rows, compile) => {
  const s = Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, stats(v)]))
  const c = compileReport(compile)
  const derived = {
    cold_page_over_floor_ms: r2(s.joinCold.p50_ms - s.floorCold.p50_ms),
    after_one_fetch_over_floor_ms: r2(s.joinAfterFetch.p50_ms - s.floorCold.p50_ms),
    warm_page_over_floor_ms: r2(s.joinWarm.p50_ms - s.floorWarm.p50_ms),
    cached_allowance_at_1_2x_ms: r2(0.2 * s.floorCold.p50_ms),
    registry_allowance_at_1_3x_ms: r2(0.3 * s.floorCold.p50_ms)
  }
  const results = { when: new Date().toISOString(), cpus: cpus().length, node_extra_ca_certs: extraCaCertsNote(extraCaCerts), runs: RUNS, scenarios: s, derived, compile: { scenarios: c.scenarios, derived: c.derived } }
  writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`)
  const line = (what, x) => `| ${what} | ${x.p50_ms} | ${x.mean_ms} |`
  process.stdout.write([
    '| what (fresh browser context each run) | p50 ms | mean ms |',
    '| --- | --- | --- |',
    line('one fetch to a trivial server, first request in the page', s.floorCold),
    line('joinMesh() via /registry until the list, first request in the page', s.joinCold),
    line('the same fetch, after a join in the page', s.floorAfterJoin),
    line('the same join, after one fetch in the page', s.joinAfterFetch),
    line('one fetch to another trivial server, third or fourth in the page', s.floorWarm),
    line('joinMesh() against another mesh, third or fourth in the page', s.joinWarm),
    line('localStorage, first read (context restored with a record)', s.storage),
    line('parseRegistryResponse() of a 10-peer answer, first call', s.check),
    '',
    `The join over the floor, each first in its page: ${derived.cold_page_over_floor_ms} ms; after one fetch: ${derived.after_one_fetch_over_floor_ms} ms; code compiled: ${derived.warm_page_over_floor_ms} ms.`,
    `At this floor, 1.2x leaves ${derived.cached_allowance_at_1_2x_ms} ms and 1.3x ${derived.registry_allowance_at_1_3x_ms} ms.`,
    ...c.lines,
    `Written to ${OUT}`,
    ''
  ].join('\n'))
}

await main()
process.exit(0)
