/**
 * A fresh page's joinMesh() against the 10-peer mesh, three ways: through the registry endpoint of the
 * first port, by scanning (first port empty), and from the cache (localStorage). Each reports two moments:
 * the full peer list known (`<name>`) and the live directory attached (`<name>-live`). Every run is a
 * fresh browser context, cold connections; `cached` restores the cache written by an earlier page into
 * each new context (playwright's storageState), so it is as cold as its floor.
 */
import { freshPage, joinInPage, loadLibrary } from '../lib/browser.mjs'
import { until } from '../lib/peers.mjs'

/** How often each source won: with the default 100 ms grace a slow preferred source can lose to a fast one. */
export const countVia = (vias) => Object.fromEntries([...new Set(vias)].map((v) => [v, vias.filter((x) => x === v).length]))

export const checkJoin = (name, r, n) => {
  if (r.peers !== n) throw new Error(`${name}: joinMesh resolved with ${r.peers} peers, expected ${n} (${r.sources})`)
}

/** Runs `runs` joins, each in the context `newContext()` gives; records `name` (list) and `name-live`. */
const joinRuns = async (ctx, name, newContext, options, n) => {
  const lists = []
  const lives = []
  const vias = []
  for (let i = 0; i < ctx.runs; i++) {
    const { ctx: c, page } = await newContext()
    await loadLibrary(page)
    const r = await joinInPage(page, options)
    checkJoin(name, r, n)
    lists.push(r.listed)
    lives.push(r.synced)
    vias.push(r.via)
    await c.close()
  }
  if (ctx.wants(name)) ctx.record(name, lists, { via: countVia(vias) })
  if (ctx.wants(`${name}-live`)) ctx.record(`${name}-live`, lives, { via: countVia(vias) })
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
  if (wantsAny('registry', 'registry-live')) {
    progress('registry: fresh context, joinMesh, first port alive')
    await joinRuns(ctx, 'registry', fresh, { ports: [P.mesh[0] + 1, P.mesh[1] + 1], cache: false }, 10)
  }
  if (wantsAny('scan', 'scan-live')) {
    progress('scan: fresh context, joinMesh, first port empty')
    await joinRuns(ctx, 'scan', fresh, { ports: P.mesh, cache: false }, 10)
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
    await joinRuns(ctx, 'cached', seeded, { ports: P.mesh }, 10)
  }
}
