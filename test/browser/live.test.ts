import { describe, expect, it, beforeAll } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { WebSocket } from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { PORTS, range } from '../helpers/ports.js'
import { allSee, report, spawnPeer, tempHome, waitFor, type PeerProc } from '../helpers/peers.js'
import { join, launchBrowser, pageOn, view } from '../helpers/browser.js'
import { suiteScope } from '../helpers/scope.js'

const R = PORTS.browserLive
const args = ['--ports', range(R)]

const count = (events: [string, string][], kind: string, id: string) => events.filter(([k, i]) => k === kind && i === id).length

describe('a page following the mesh live', () => {
  let browser: Browser
  let home: string
  let peers: PeerProc[]
  let page: Page
  // One page follows one mesh through the whole block: peers outlive the test that started them.
  const scope = suiteScope()
  const spawn = () => spawnPeer({ home, scope, args })

  beforeAll(async () => {
    browser = await launchBrowser(scope)
    home = tempHome(scope)
    peers = await Promise.all([spawn(), spawn(), spawn()])
    await waitFor(() => allSee(peers, peers.map((p) => p.id)), 'the mesh to converge')
    ;({ page } = await pageOn(browser, peers[0]!.url))
    const r = await join(page, { ports: R, cache: false, token: peers[0]!.token })
    expect(r.ok, r.message).toBe(true)
    expect(r.peers).toHaveLength(3)
  })

  it('sees a new peer appear', async () => {
    const added = await spawn()
    const t0 = Date.now()
    peers.push(added)
    await waitFor(async () => count((await view(page)).events, 'added', added.id) === 1, 'peer-added for the new peer')
    report('browser: new peer ready line -> peer-added', Date.now() - t0)
    expect((await view(page)).peers.sort()).toEqual(peers.map((p) => p.id).sort())
  })

  it('a listener that throws costs the page nothing: no failover, and the next events still come', async () => {
    const failovers = () => page.evaluate(() => ({ n: (window as any).mesh.timings.failovers.length, status: (window as any).mesh.status }))
    const before = await failovers()
    await page.evaluate(() => {
      const w = window as any
      w.buggy = () => {
        throw new Error('a buggy listener')
      }
      w.mesh.on('peer-added', w.buggy)
    })
    for (let i = 0; i < 2; i++) {
      const added = await spawn()
      peers.push(added)
      await waitFor(async () => count((await view(page)).events, 'added', added.id) === 1, 'peer-added past the throwing listener')
    }
    expect(await failovers()).toEqual({ n: before.n, status: 'connected' })
    await page.evaluate(() => (window as any).mesh.off('peer-added', (window as any).buggy))
  })

  it('sees a SIGKILLed peer disappear', async () => {
    const { current } = await view(page)
    const victim = peers.find((p) => p.id !== current)!
    const t0 = Date.now()
    victim.kill('SIGKILL')
    peers = peers.filter((p) => p !== victim)
    await waitFor(async () => count((await view(page)).events, 'removed', victim.id) === 1, 'peer-removed for the killed peer')
    report('browser: SIGKILL -> peer-removed', Date.now() - t0)
  })

  it('fails over when current is SIGKILLed, with the directory intact and no event lost or repeated', async () => {
    const before = await view(page)
    const dead = peers.find((p) => p.id === before.current)!
    // A room opened on current moves with the mesh.
    const room = await page.evaluate(() => {
      const w = window as any
      w.room = w.mesh.open('failover-notes')
      w.room.doc.getText('t').insert(0, 'before;')
      return w.room.peer as string
    })
    expect(room).toBe(dead.url)
    await waitFor(() => page.evaluate(() => (window as any).room.provider.synced), 'the room to sync')

    const t0 = Date.now()
    dead.kill('SIGKILL')
    peers = peers.filter((p) => p !== dead)
    await waitFor(async () => {
      const v = await view(page)
      return v.current !== dead.id && v.failovers.length === 1 && v.status === 'connected'
    }, 'the page to read the directory from another peer')
    report('browser: failover after SIGKILL of current (page clock)', (await view(page)).failovers[0]!)
    report('browser: failover after SIGKILL of current (test clock)', Date.now() - t0)
    await waitFor(async () => (await view(page)).peers.sort().join() === peers.map((p) => p.id).sort().join(), 'the dead peer to leave the directory')

    const after = await view(page)
    for (const p of peers) expect(count(after.events, 'added', p.id), p.id).toBeLessThanOrEqual(1)
    expect(count(after.events, 'removed', dead.id)).toBe(1)
    for (const p of peers) expect(count(after.events, 'removed', p.id)).toBe(0)

    // The room followed: an edit made after failover reaches a client of the new peer.
    const newPeer = await waitFor(() => page.evaluate(() => { const r = (window as any).room; return r.provider.synced && r.peer }), 'the room to move and sync')
    expect(newPeer).not.toBe(dead.url)
    await page.evaluate(() => (window as any).room.doc.getText('t').insert(7, 'after;'))
    const doc = new Y.Doc()
    const client = new WebsocketProvider(newPeer.replace('http', 'ws'), 'failover-notes', doc, { WebSocketPolyfill: WebSocket as never, disableBc: true, params: { token: peers[0]!.token } })
    await waitFor(() => doc.getText('t').toString() === 'before;after;', 'the room contents on the new peer')
    client.destroy()
  })

  it('says it is offline when no peer answers, backs off, and recovers when a peer returns', async () => {
    for (const p of peers) p.kill('SIGKILL')
    await waitFor(async () => (await view(page)).status === 'offline', 'status offline')
    const retries = await page.evaluate(() => new Promise<[number, number][]>((resolve) => {
      const waits: [number, number][] = []
      const m = (window as any).mesh
      const on = (e: any) => {
        if (e.status === 'offline') waits.push([e.retryInMs, e.attempt])
        if (waits.length === 3) (m.off('status', on), resolve(waits))
      }
      m.on('status', on)
    }))
    // Full jitter in a window that grows with each attempt, up to the cap: never a fixed tight loop.
    for (let i = 1; i < retries.length; i++) expect(retries[i]![1]).toBe(retries[i - 1]![1] + 1)
    for (const [w, attempt] of retries) {
      expect(w).toBeGreaterThanOrEqual(0)
      expect(w).toBeLessThanOrEqual(Math.min(5000, 250 * 2 ** attempt))
    }
    const back = await spawn()
    peers = [back]
    await waitFor(async () => {
      const v = await view(page)
      return v.status === 'connected' && v.current === back.id
    }, 'the page to reconnect to the returning peer', 15000)
    await waitFor(async () => (await view(page)).peers.join() === back.id, 'the directory to list only the returning peer', 15000)
  })
})
