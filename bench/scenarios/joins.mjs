/**
 * A fresh page's joinMesh() against the 10-peer mesh, three ways: through the registry endpoint of the
 * first port, by scanning (first port empty), and from the cache (localStorage). Each reports two moments:
 * the full peer list known (`<name>`) and the live directory attached (`<name>-live`). Every run is a
 * fresh browser context, cold connections; `cached` restores the cache written by an earlier page into
 * each new context (playwright's storageState), so it is as cold as its floor.
 *
 * Each join is paired with its floors, taken in the same loop (join, bare fetch, bare WebSocket, each
 * in its own fresh context of the same kind: the same origin, the library loaded): `floor-fetch-paired`
 * and `floor-ws-paired` for `registry`, `floor-scan-paired` (11 ports, 10 open: the scan's shape) and
 * `floor-ws-paired-scan` for `scan`, `floor-fetch-paired-cached` and `floor-ws-paired-cached` for
 * `cached` (its contexts hold the cache). The machine's speed drifts over a run; floors taken at the
 * start (floors.mjs, before any peer runs) fell on another moment than the joins they stood under, and
 * so did one loop's floors for the other loop's joins, a minute apart. The early floors stay in the
 * results beside them.
 */
import { freshPage, joinInPage, loadLibrary } from '../lib/browser.mjs'
import { fetchOnce, openOnce, scanOnce } from '../lib/floors.mjs'
import { until } from '../lib/peers.mjs'

/** How often each source won: with the default 100 ms grace a slow preferred source can lose to a fast one. */
export const countVia = (vias) => Object.fromEntries([...new Set(vias)].map((v) => [v, vias.filter((x) => x === v).length]))

export const checkJoin = (name, r, n) => {
  if (r.peers !== n) throw new Error(`${name}: joinMesh resolved with ${r.peers} peers, expected ${n} (${r.sources})`)
}

/**
 * In a fresh context as `newContext()` gives (library loaded, as for a join): `fn(arg)` timed in the
 * page, read through `value` (a floor page function answers the figure, or an object holding it).
 */
export const pairedFloor = async (newContext, { fn, arg, value = (x) => x }) => {
  const { ctx: c, page } = await newContext()
  await loadLibrary(page)
  try {
    return value(await page.evaluate(fn, arg))
  } finally {
    await c.close()
  }
}

/** The floors a join pairs with, by record name: a bare fetch, a bare WebSocket open, the scan's parallel fetch. */
export const floorsOf = (P) => ({
  fetch: { fn: fetchOnce, arg: `http://127.0.0.1:${P.floorFetch}/x` },
  ws: { fn: openOnce, arg: `ws://127.0.0.1:${P.floorWs}/` },
  scan: { fn: scanOnce, arg: P.floorScan, value: (r) => r.first }
})

/**
 * `runs` joins, each in the context `newContext()` gives and passed to `check`, each followed by every
 * floor of `paired` ({ record name: floor }), each in its own context of the same kind: the one loop
 * every join of the bench runs (here and scenarios/scale.mjs). Returns the samples; the caller records.
 */
export const pairedJoins = async (newContext, options, runs, paired, check = () => {}) => {
  const out = { lists: [], lives: [], vias: [], peers: [], floors: Object.fromEntries(Object.keys(paired).map((k) => [k, []])) }
  for (let i = 0; i < runs; i++) {
    const { ctx: c, page } = await newContext()
    await loadLibrary(page)
    const r = await joinInPage(page, options)
    check(r)
    out.lists.push(r.listed)
    out.lives.push(r.synced)
    out.vias.push(r.via)
    out.peers.push(r.peers)
    await c.close()
    for (const [floor, how] of Object.entries(paired)) out.floors[floor].push(await pairedFloor(newContext, how))
  }
  return out
}

/** ctx.joinRuns paired joins (pairedJoins), recorded as `name` (list), `name-live` and each floor. */
const joinRuns = async (ctx, name, newContext, options, n, paired) => {
  const r = await pairedJoins(newContext, options, ctx.joinRuns, paired, (j) => checkJoin(name, j, n))
  if (ctx.wants(name)) ctx.record(name, r.lists, { via: countVia(r.vias) })
  if (ctx.wants(`${name}-live`)) ctx.record(`${name}-live`, r.lives, { via: countVia(r.vias) })
  for (const [floor, xs] of Object.entries(r.floors)) ctx.record(floor, xs)
}

const seedCache = async (browser, origin, ports) => {
  const { ctx: c, page } = await freshPage(browser, origin)
  await loadLibrary(page)
  await joinInPage(page, { ports })
  const written = () => page.evaluate(() => Object.keys(localStorage).some((k) => k.startsWith('peer-plan:last-known:') && JSON.parse(localStorage.getItem(k)).urls.length === 10))
  await until(written, 'the cache to be written', 10000)
  const state = await c.storageState()
  await c.close()
  return state
}

export const runJoins = async (ctx, browser, mesh) => {
  const { wantsAny, progress, ports: P } = ctx
  const origin = `${mesh[mesh.length - 1].url}/health`
  const fresh = () => freshPage(browser, origin)
  const floor = floorsOf(P)
  if (wantsAny('registry', 'registry-live')) {
    progress('registry: fresh context, joinMesh, first port alive (each paired with a bare fetch and WebSocket)')
    await joinRuns(ctx, 'registry', fresh, { ports: [P.mesh[0] + 1, P.mesh[1] + 1], cache: false }, 10, { 'floor-fetch-paired': floor.fetch, 'floor-ws-paired': floor.ws })
  }
  if (wantsAny('scan', 'scan-live')) {
    progress('scan: fresh context, joinMesh, first port empty (each paired with a bare scan of 11 ports, 10 open, and a WebSocket)')
    await joinRuns(ctx, 'scan', fresh, { ports: P.mesh, cache: false }, 10, { 'floor-scan-paired': floor.scan, 'floor-ws-paired-scan': floor.ws })
  }
  if (wantsAny('cached', 'cached-live')) {
    progress('cached: fresh context holding the cache an earlier page wrote')
    const storageState = await seedCache(browser, origin, P.mesh)
    const seeded = async () => {
      const c = await browser.newContext({ storageState })
      const page = await c.newPage()
      await page.goto(origin)
      return { ctx: c, page }
    }
    await joinRuns(ctx, 'cached', seeded, { ports: P.mesh }, 10, { 'floor-fetch-paired-cached': floor.fetch, 'floor-ws-paired-cached': floor.ws })
  }
}
