/**
 * The seed documents' designs, measured beside ours: its registry server polled every 5 s, and its
 * WebSocket port scan. The scan's headline is its first round (what a page pays on load); the later,
 * throttled rounds are reported beside it.
 */
import { freshPage } from '../lib/browser.mjs'
import { startTrivialWs } from '../lib/floors.mjs'
import { spawnPeer, stopPeer } from '../lib/peers.mjs'
import { summarize } from '../lib/stats.mjs'
import { startSeedRegistry } from '../seed/registry-server.mjs'

const pollingPage = async (browser, origin, url) => {
  const { ctx, page } = await freshPage(browser, origin)
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
  }, url)
  return { ctx, page }
}

export const runSeedRegistry = async (ctx, browser, mesh, { home, meshArgs }) => {
  const { wants, wantsAny, runs, record, progress, ports: P } = ctx
  if (!wantsAny('seed-registry-poll-propagate', 'seed-registry-poll-evict')) return
  progress(`seed registry server: ${runs} pages polling every 5 s at random phases`)
  const seed = await startSeedRegistry(home, P.seedRegistry)
  // The victim is there before the pages load; the newcomer comes as the victim dies, so both events
  // fall at a random phase of every page's polling and one 5 s period covers both.
  const victim = await spawnPeer({ home, args: [...meshArgs, '--port', String(P.extra + 1)] })
  const pages = []
  for (let i = 0; i < runs; i++) pages.push(await pollingPage(browser, `${mesh[mesh.length - 1].url}/health`, `http://127.0.0.1:${P.seedRegistry}/registry`))
  await Promise.all(pages.map(({ page }) => page.waitForFunction((id) => window.seen[id], victim.id, { timeout: 15000 })))
  const killedAt = Date.now()
  victim.proc.kill('SIGKILL')
  const extra = await spawnPeer({ home, args: [...meshArgs, '--port', String(P.extra)] })
  const seenAfter = async ({ page }) => {
    await page.waitForFunction((id) => window.seen[id], extra.id, { timeout: 15000 })
    return page.evaluate((id) => window.seen[id].at - window.seen[id].startedAt, extra.id)
  }
  const goneAt = async ({ page }) => {
    await page.waitForFunction((id) => window.gone[id], victim.id, { timeout: 15000 })
    return page.evaluate((id) => window.gone[id], victim.id)
  }
  const [seen, gone] = await Promise.all([Promise.all(pages.map(seenAfter)), Promise.all(pages.map(goneAt))])
  if (wants('seed-registry-poll-propagate')) record('seed-registry-poll-propagate', seen)
  if (wants('seed-registry-poll-evict')) record('seed-registry-poll-evict', gone.map((t) => t - killedAt))
  await stopPeer(extra)
  await stopPeer(victim, 'SIGKILL')
  for (const { ctx: c } of pages) await c.close()
  seed.close()
}

const ROUNDS = 5

export const runSeedScan = async (ctx, browser) => {
  const { runs, record, progress, ports: P } = ctx
  if (!ctx.wants('seed-scan-ws')) return
  progress(`seed-scan-ws: WebSocket probe of 11 ports (the first empty, 10 open, as scan), ${ROUNDS} scans in a row, one fresh page per run`)
  const wsServers = await Promise.all(Array.from({ length: P.seedScanOpen[1] - P.seedScanOpen[0] + 1 }, (_, k) => startTrivialWs(P.seedScanOpen[0] + k)))
  const byRound = Array.from({ length: ROUNDS }, () => [])
  for (let i = 0; i < runs; i++) {
    const { ctx: c, page } = await freshPage(browser, `http://127.0.0.1:${P.floorPage}/`)
    const times = await page.evaluate(async ([a, b, rounds]) => {
      const probe = (port) => new Promise((res) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/`)
        const done = (ok) => { clearTimeout(timer); try { ws.close() } catch {} res(ok) }
        const timer = setTimeout(() => done(false), 500)
        ws.onopen = () => done(true)
        ws.onerror = () => done(false)
      })
      const out = []
      for (let round = 0; round < rounds; round++) {
        const t = performance.now()
        await Promise.all(Array.from({ length: b - a + 1 }, (_, k) => probe(a + k)))
        out.push(performance.now() - t)
      }
      return out
    }, [...P.seedScan, ROUNDS])
    times.forEach((t, r) => byRound[r].push(t))
    await c.close()
  }
  // Chromium throttles repeated failed WebSocket connects to a host: rounds 2+ pay for that.
  record('seed-scan-ws', byRound[0], { p50_by_round_ms: byRound.map((r) => summarize(r).p50_ms) })
  for (const s of wsServers) s.close()
}
