import { describe, expect, it, beforeAll } from 'vitest'
import type { Browser } from 'playwright-core'
import { PORTS, range } from '../helpers/ports.js'
import { allSee, report, spawnPeer, tempHome, waitFor, type PeerProc } from '../helpers/peers.js'
import { cachedPeerUrls, join, launchBrowser, loadLibrary, median, pageOn, type JoinResult } from '../helpers/browser.js'
import { suiteScope } from '../helpers/scope.js'

const R = PORTS.browserDiscovery
const RUNS = 7
// These tests check which source wins, so the preference is made strict: a preferred source that is
// merely slow under load (not failed) still wins. Users get the default 100 ms.
const GRACE = { graceMs: 1000 }

describe('joinMesh() discovery in real Chromium', () => {
  let browser: Browser
  let home: string
  let peers: PeerProc[]
  const scope = suiteScope()

  beforeAll(async () => {
    browser = await launchBrowser(scope)
    home = tempHome(scope)
    const args = ['--ports', range(R)]
    const first = await spawnPeer({ home, scope, args: [...args, '--port', String(R[0])] })
    peers = [first, await spawnPeer({ home, scope, args }), await spawnPeer({ home, scope, args })]
    await waitFor(() => allSee(peers, peers.map((p) => p.id)), 'the mesh to converge')
  })

  /** RUNS fresh pages on `origin` join the mesh; each is checked, and the median time is reported. */
  const joinFreshPages = async (origin: string, via: string, check: (r: JoinResult) => void) => {
    const times: number[] = []
    for (let i = 0; i < RUNS; i++) {
      const { ctx, page } = await pageOn(browser, origin)
      const r = await join(page, { ports: R, cache: false, ...GRACE })
      expect(r.ok, r.message).toBe(true)
      expect(r.via).toBe(via)
      expect(r.peers!.sort()).toEqual(peers.map((p) => p.id).sort())
      check(r)
      times.push(r.timings!.peersKnown)
      await ctx.close()
    }
    report(`browser discovery via ${via}, median of ${RUNS} (whole mesh known)`, median(times))
  }

  it('finds the mesh through the registry endpoint on the first port', async () => {
    await joinFreshPages(peers[1]!.url, 'registry', (r) => expect(r.current).toBe(peers[0]!.id))
  })

  it('finds the mesh by scanning when the first port is empty', async () => {
    peers[0]!.kill('SIGTERM')
    await peers[0]!.exited
    peers = peers.slice(1)
    await waitFor(() => allSee(peers, peers.map((p) => p.id)), 'the first-port peer to leave')
    await joinFreshPages(peers[0]!.url, 'scan', (r) => expect(r.timings!.sources.find((s) => s.via === 'registry')?.ok).toBe(false))
  })

  it('finds the mesh from its localStorage cache after a reload', async () => {
    const { ctx, page } = await pageOn(browser, peers[0]!.url)
    const first = await join(page, { ports: R, ...GRACE })
    expect(first.via).toBe('scan')
    // The cache is written shortly after the directory changes.
    await waitFor(async () => (await cachedPeerUrls(page)).length === 2, 'the cache to be written')
    const times: number[] = []
    for (let i = 0; i < RUNS; i++) {
      await page.reload()
      await loadLibrary(page)
      const r = await join(page, { ports: R, ...GRACE })
      expect(r.ok, r.message).toBe(true)
      expect(r.via).toBe('cache')
      expect(r.peers!.sort()).toEqual(peers.map((p) => p.id).sort())
      times.push(r.timings!.peersKnown)
    }
    report(`browser discovery via cache, median of ${RUNS} (whole mesh known)`, median(times))
    await ctx.close()
  })

  it('never shows a cached peer that does not answer', async () => {
    const { ctx, page } = await pageOn(browser, peers[0]!.url)
    await join(page, { ports: R, ...GRACE })
    // A third peer joins and is cached; then it dies while the page is away.
    const extra = await spawnPeer({ home, args: ['--ports', range(R)] })
    await waitFor(() => page.evaluate((id) => (window as any).mesh.peers.some((p: any) => p.id === id), extra.id), 'the page to see the extra peer')
    await waitFor(async () => (await cachedPeerUrls(page)).includes(extra.url), 'the extra peer to be cached')
    // Away: a live mesh would see the death and rewrite the cache, and the reload would prove nothing.
    await page.evaluate(() => (window as any).mesh.destroy())
    extra.kill('SIGKILL')
    await waitFor(() => allSee(peers, peers.map((p) => p.id)), 'the mesh to drop the killed peer')
    expect(await cachedPeerUrls(page)).toContain(extra.url)
    await page.reload()
    await loadLibrary(page)
    const r = await join(page, { ports: R, ...GRACE })
    expect(r.via).toBe('cache')
    expect(r.peers).not.toContain(extra.id)
    await ctx.close()
  })

  it('resolves with the whole list before the live directory syncs, which then repeats no event', async () => {
    const { ctx, page } = await pageOn(browser, peers[0]!.url)
    const ids = peers.map((p) => p.id).sort()
    const r = await page.evaluate(async (options) => {
      const w = window as any
      const mesh = await w.peerPlan.joinMesh(options)
      w.mesh = mesh
      // What the caller sees the moment joinMesh resolves, before any of its own code could wait.
      const atResolve = { peers: mesh.peers.map((p: any) => p.id), liveSynced: mesh.timings.directorySynced, status: mesh.status }
      w.events = []
      mesh.on('peer-added', (p: any) => w.events.push(`added ${p.id}`))
      mesh.on('peer-removed', (p: any) => w.events.push(`removed ${p.id}`))
      // The live doc arrives into the page's doc after this code runs: it is not a second list.
      mesh.on('change', () => w.events.push('change'))
      await mesh.live
      return { atResolve, timings: mesh.timings, status: mesh.status, eventsWhenLive: [...w.events], peersWhenLive: mesh.peers.map((p: any) => p.id) }
    }, { ports: R, cache: false, ...GRACE })
    expect(r.atResolve.peers.sort()).toEqual(ids)
    expect(r.atResolve.liveSynced).toBeNaN() // not synced yet
    expect(r.atResolve.status).toBe('connecting')
    expect(r.status).toBe('connected')
    expect(r.timings.peersKnown).toBeLessThanOrEqual(r.timings.directorySynced)
    expect(r.eventsWhenLive).toEqual([])
    expect(r.peersWhenLive.sort()).toEqual(ids)
    // The live doc drives changes from here: one event per change.
    const extra = await spawnPeer({ home, args: ['--ports', range(R)] })
    await waitFor(() => page.evaluate((id) => (window as any).mesh.peers.some((p: any) => p.id === id), extra.id), 'the page to see a new peer')
    extra.kill('SIGTERM')
    await extra.exited
    await waitFor(() => page.evaluate((id) => !(window as any).mesh.peers.some((p: any) => p.id === id), extra.id), 'the page to see it leave')
    expect((await page.evaluate(() => (window as any).events)).filter((e: string) => e !== 'change')).toEqual([`added ${extra.id}`, `removed ${extra.id}`])
    await ctx.close()
  })

  it('a listed peer that the live directory lacks leaves the page with one peer-removed', async () => {
    const { ctx, page } = await pageOn(browser, peers[0]!.url)
    const ids = peers.map((p) => p.id).sort()
    const r = await page.evaluate(async (base) => {
      const w = window as any
      // A /registry answer that still lists a peer which left before the live directory synced.
      const answer = await (await fetch(`${base}/registry`)).json()
      const gone = { ...answer.peers[0], id: 'gone0000', name: 'gone', url: 'http://127.0.0.1:1', port: 1 }
      const found = { url: base, id: answer.self, peers: [...answer.peers, gone] }
      const deps = { cacheKey: null, probeTimeoutMs: 400, token: null, proofs: null, heartbeatMs: 60_000, startedAt: performance.now(), reach: (u: string) => u, rediscover: () => Promise.reject(new Error('none')) }
      const mesh = new w.peerPlan.Mesh({ firstAnswer: NaN, peersKnown: NaN, directorySynced: NaN, sources: [], failovers: [] }, deps)
      const events: string[] = []
      mesh.on('peer-added', (p: any) => events.push(`added ${p.id}`))
      mesh.on('peer-removed', (p: any) => events.push(`removed ${p.id}`))
      mesh.on('change', () => events.push('change'))
      mesh.seed(found, () => mesh.follow(found, 3000))
      const listed = mesh.peers.map((p: any) => p.id)
      await mesh.live
      const out = { listed, events, peers: mesh.peers.map((p: any) => p.id) }
      mesh.destroy()
      return out
    }, peers[0]!.url)
    expect(r.listed).toContain('gone0000')
    expect(r.events).toEqual(['removed gone0000', 'change'])
    expect(r.peers.sort()).toEqual(ids)
    await ctx.close()
  })

  it('uses bootstrap URLs first', async () => {
    const { ctx, page } = await pageOn(browser, peers[0]!.url)
    const r = await join(page, { ports: PORTS.browserEmpty, bootstrap: [peers[1]!.url], cache: false })
    expect(r.ok, r.message).toBe(true)
    expect(r.via).toBe('bootstrap')
    expect(r.current).toBe(peers[1]!.id)
    expect(r.peers!.sort()).toEqual(peers.map((p) => p.id).sort())
    await ctx.close()
  })

  it('rejects with a typed error naming every source when nothing answers', async () => {
    const { ctx, page } = await pageOn(browser, peers[0]!.url)
    const r = await join(page, { ports: PORTS.browserEmpty })
    expect(r.ok).toBe(false)
    expect(r.name).toBe('MeshDiscoveryError')
    expect(r.attempts!.map((a) => a.via).sort()).toEqual(['cache', 'registry', 'scan'])
    expect(r.attempts!.every((a) => !a.ok && a.detail.length > 0)).toBe(true)
    expect(r.attempts!.find((a) => a.via === 'cache')!.detail).toMatch(/no cached peers/)
    expect(r.message).toMatch(/registry: .*\| .*scan: ports/)
    await ctx.close()
  })
})
