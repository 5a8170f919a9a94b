/**
 * More peers than ports: 40 peers started at once on an 11-port range. One file, sequential steps, long
 * deadlines: 40 processes and a browser on a 2-core machine are slow, and nothing here is timed.
 */
import { describe, expect, it, beforeAll } from 'vitest'
import type { Browser } from 'playwright-core'
import { PORTS, range } from './helpers/ports.js'
import { allSee, getJson, report, spawnPeer, tempHome, waitFor, type PeerProc } from './helpers/peers.js'
import { launchBrowser, pageOn } from './helpers/browser.js'
import { suiteScope } from './helpers/scope.js'

const R = PORTS.overflow
const N = 40
const inRange = (port: number) => port >= R[0] && port <= R[1]
const rangePorts = Array.from({ length: R[1] - R[0] + 1 }, (_, i) => R[0] + i)

interface Entry {
  id: string
  url: string
  port: number
  overflowUrl?: string
}

/** A fresh page on `origin` joins; resolves with the ids it lists once the live directory is attached. */
const pageList = async (browser: Browser, origin: string): Promise<{ listed: string[]; live: string[] }> => {
  const { ctx, page } = await pageOn(browser, origin)
  try {
    return await page.evaluate(async (ports) => {
      const mesh = await (window as any).peerPlan.joinMesh({ ports, cache: false })
      const listed = mesh.peers.map((p: any) => p.id)
      await mesh.live
      const live = mesh.peers.map((p: any) => p.id)
      mesh.destroy()
      return { listed, live }
    }, R)
  } finally {
    await ctx.close()
  }
}

describe(`${N} peers on an ${R[1] - R[0] + 1}-port range`, () => {
  const scope = suiteScope()
  let browser: Browser
  let peers: PeerProc[]
  let home: string

  beforeAll(async () => {
    home = tempHome(scope)
    browser = await launchBrowser(scope)
  })

  it(`all ${N} start at once; every /registry and every page lists ${N}`, async () => {
    const t0 = Date.now()
    peers = await Promise.all(Array.from({ length: N }, () => spawnPeer({ home, scope, args: ['--ports', range(R)] })))
    report(`${N} concurrent starts on ${rangePorts.length} ports: all ready`, Date.now() - t0)
    expect(new Set(peers.map((p) => p.port)).size).toBe(N)
    expect(peers.filter((p) => inRange(p.port)).length).toBe(rangePorts.length)
    const ids = peers.map((p) => p.id)
    await waitFor(() => allSee(peers, ids), `every /registry to list all ${N}`, 120_000)
    report(`${N} concurrent starts: every /registry lists ${N}`, Date.now() - t0)
    // Startup under contention: every peer registered in servers.json the first time, none timed out on its lock.
    for (const p of peers) expect(p.stderr()).not.toMatch(/could not register|missing from servers.json/)
    // A page on an in-range peer, and one on an overflow peer's own origin: both find everyone.
    for (const origin of [peers.find((p) => inRange(p.port))!.url, peers.find((p) => !inRange(p.port))!.url]) {
      const { listed, live } = await pageList(browser, origin)
      expect(listed.sort(), origin).toEqual([...ids].sort())
      expect(live.sort(), origin).toEqual([...ids].sort())
    }
  }, 240_000)

  it('SIGKILL of every in-range peer: overflow peers take the range ports, and a fresh page finds all survivors', async () => {
    const killed = peers.filter((p) => inRange(p.port))
    const survivors = peers.filter((p) => !inRange(p.port))
    const ids = survivors.map((p) => p.id).sort()
    const t0 = Date.now()
    for (const p of killed) p.kill('SIGKILL')
    await Promise.all(killed.map((p) => p.exited))
    // Each range port is held by exactly one survivor (the bind decides), which advertises it.
    const holders = async (): Promise<string[] | null> => {
      const answers = await Promise.all(rangePorts.map((port) => getJson<{ id: string }>(`http://127.0.0.1:${port}/health`).then((h) => h.id, () => null)))
      return answers.every((a) => a !== null && ids.includes(a)) ? (answers as string[]) : null
    }
    await waitFor(async () => (await holders()) !== null, 'every range port to be taken by a survivor', 120_000)
    report(`${killed.length} range ports retaken by overflow peers`, Date.now() - t0)
    expect(new Set(await holders()).size).toBe(rangePorts.length)
    await waitFor(() => allSee(survivors, ids), `every survivor's /registry to list exactly the ${survivors.length} survivors`, 120_000)
    await waitFor(async () => {
      const entries = (await getJson<{ peers: Entry[] }>(`${survivors[0]!.url}/registry`)).peers
      return entries.filter((e) => inRange(e.port)).length === rangePorts.length
    }, 'the claimants to advertise their range URLs', 60_000)
    const entries = (await getJson<{ peers: Entry[] }>(`${survivors[0]!.url}/registry`)).peers
    const claimants = entries.filter((e) => inRange(e.port))
    expect(new Set(claimants.map((e) => e.port)).size).toBe(rangePorts.length)
    for (const e of claimants) {
      expect(e.url).toBe(`http://127.0.0.1:${e.port}`)
      // The first URL is still served, and a page may still be open on it.
      expect(e.overflowUrl).toBe(survivors.find((p) => p.id === e.id)!.url)
      expect((await getJson<{ id: string }>(`${e.overflowUrl}/health`)).id).toBe(e.id)
    }
    // A fresh page, on a survivor that took a range port, finds every survivor through the range.
    const { listed, live } = await pageList(browser, claimants[0]!.url)
    expect(listed.sort()).toEqual(ids)
    expect(live.sort()).toEqual(ids)
  }, 240_000)
})
