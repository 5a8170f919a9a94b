/**
 * Floors: what the machine and Chromium cost with none of peer-plan, each measured the way the scenario
 * it stands under is (fresh contexts; the scan floor has the scan's shape: 11 ports, the first empty).
 */
import { fetchOnce, openOnce, scanOnce, startTrivialHttp, startTrivialWs } from '../lib/floors.mjs'
import { freshPage } from '../lib/browser.mjs'
import { summarize } from '../lib/stats.mjs'

export const runFloors = async (ctx, browser) => {
  const { wantsAny, wants, runs, record, progress, ports: P } = ctx
  // seed-scan-ws opens its pages on the floor's page server too; every join pairs with its servers
  // (scenarios/joins.mjs, scenarios/scale.mjs), so they stay up until the last join has run.
  const joins = ['registry', 'registry-live', 'scan', 'scan-live', 'cached', 'cached-live', 'join@64', ...ctx.sizes.map((n) => `registry@${n}`)]
  if (!wantsAny('floor-fetch', 'floor-ws', 'floor-scan', 'seed-scan-ws', ...joins)) return () => {}
  const servers = [await startTrivialHttp(P.floorPage), await startTrivialHttp(P.floorFetch), await startTrivialWs(P.floorWs)]
  for (let port = P.floorScanOpen[0]; port <= P.floorScanOpen[1]; port++) servers.push(await startTrivialHttp(port))
  const inFreshPage = async (fn, arg) => {
    const { ctx: c, page } = await freshPage(browser, `http://127.0.0.1:${P.floorPage}/`)
    try {
      return await page.evaluate(fn, arg)
    } finally {
      await c.close()
    }
  }
  const repeat = async (fn) => {
    const xs = []
    for (let i = 0; i < runs; i++) xs.push(await fn())
    return xs
  }
  if (wants('floor-fetch')) {
    progress('floor-fetch: one cross-origin fetch from a fresh page')
    record('floor-fetch', await repeat(() => inFreshPage(fetchOnce, `http://127.0.0.1:${P.floorFetch}/x`)))
  }
  if (wants('floor-ws')) {
    progress('floor-ws: one WebSocket open from a fresh page')
    record('floor-ws', await repeat(() => inFreshPage(openOnce, `ws://127.0.0.1:${P.floorWs}/`)))
  }
  if (wants('floor-scan')) {
    const open = P.floorScanOpen[1] - P.floorScanOpen[0] + 1
    progress(`floor-scan: parallel fetch over 11 ports, ${open} open (as scan)`)
    const rs = await repeat(() => inFreshPage(scanOnce, P.floorScan))
    record('floor-scan', rs.map((r) => r.first), { open_ports: open, all_settled_p50_ms: summarize(rs.map((r) => r.all)).p50_ms })
  }
  return () => servers.forEach((s) => s.close())
}
