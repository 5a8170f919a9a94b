/**
 * Rooms from a real Chromium page (issue 11): a SIGKILL of the page's peer mid-edit loses nothing and
 * the page keeps one doc; a page that kept a room in IndexedDB shows it after a reload with every peer
 * down.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { PORTS, range } from '../helpers/ports.js'
import { tempHome, waitFor } from '../helpers/peers.js'
import { join, launchBrowser, loadLibrary, pageOn } from '../helpers/browser.js'
import { meshOf, roomClient } from '../helpers/rooms.js'

const R = PORTS.browserRooms

describe('a room from a page', () => {
  it('SIGKILL of the page\'s peer mid-edit loses nothing, and the page keeps one doc', async () => {
    const browser = await launchBrowser()
    const peers = await meshOf(tempHome(), 3, range(R))
    const { page } = await pageOn(browser, peers[0]!.url)
    expect((await join(page, { ports: R, cache: false, token: peers[0]!.token })).ok).toBe(true)
    await page.evaluate(async () => {
      const w = window as any
      w.room = w.mesh.open('kill-mid-edit')
      w.firstDoc = w.room.doc
      w.n = 0
      // An edit every 10 ms, through whatever happens to the peer.
      w.typing = setInterval(() => w.room.doc.getText('content').insert(w.room.doc.getText('content').length, `e${w.n++};`), 10)
    })
    await waitFor(() => page.evaluate(() => (window as any).room.provider.synced), 'the room to sync')
    const onUrl = await page.evaluate(() => (window as any).room.peer as string)
    const victim = peers.find((p) => p.url === onUrl)!
    const survivor = peers.find((p) => p !== victim)!
    const watcher = roomClient(survivor, 'kill-mid-edit')
    await waitFor(() => watcher.text().includes('e5;'), 'a client on another peer to follow the edits')
    await victim.stop('SIGKILL')
    await waitFor(() => page.evaluate((u) => (window as any).room.peer !== u && (window as any).room.provider.synced, onUrl), 'the room to move to a live peer')
    const typed = await page.evaluate(() => {
      const w = window as any
      clearInterval(w.typing)
      return { n: w.n as number, text: w.room.doc.getText('content').toString() as string, same: w.room.doc === w.firstDoc }
    })
    expect(typed.same).toBe(true)
    // Every edit the page made, before, during and after the kill, is in the doc once, in order.
    expect(typed.text).toBe(Array.from({ length: typed.n }, (_, i) => `e${i};`).join(''))
    await waitFor(() => watcher.text() === typed.text, 'the client on the surviving peer to hold every edit')
  })

  it('persist: true, reloaded with every peer down, shows the last content', async () => {
    const browser = await launchBrowser()
    const peers = await meshOf(tempHome(), 2, range(R))
    const { ctx, page } = await pageOn(browser, peers[0]!.url)
    expect((await join(page, { ports: R, cache: false, token: peers[0]!.token })).ok).toBe(true)
    await page.evaluate(async () => {
      const w = window as any
      w.room = w.mesh.open('offline-notes', { persist: true })
      await w.room.persisted
      w.room.doc.getText('content').insert(0, 'last words before the mesh went down;')
    })
    const other = roomClient(peers[1]!, 'offline-notes')
    await waitFor(() => other.text() === 'last words before the mesh went down;', 'the mesh to have the edit')
    await waitFor(() => page.evaluate(async () => {
      const s = (window as any).peerPlan.openStoredRoom('offline-notes')
      await s.persisted
      const t = s.doc.getText('content').toString()
      s.destroy()
      return t === 'last words before the mesh went down;'
    }), 'IndexedDB to hold the edit')
    await Promise.all(peers.map((p) => p.stop('SIGKILL')))
    // No peer serves the page any more: the page and the bundle come from the browser's side, as a
    // service worker or a saved page would give them.
    const bundle = readFileSync(fileURLToPath(new URL('../../dist/browser/peer-plan.js', import.meta.url)))
    await ctx.route(`${peers[0]!.url}/**`, (route) => {
      const path = new URL(route.request().url()).pathname
      if (path === '/peer-plan.js') return route.fulfill({ contentType: 'text/javascript', body: bundle })
      return route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>offline</title>' })
    })
    await page.reload()
    await loadLibrary(page)
    const shown = await page.evaluate(async (ports) => {
      const lib = (window as any).peerPlan
      const joined = await lib.joinMesh({ ports, cache: false, timeoutMs: 1500 }).then(() => 'joined', (e: Error) => e.name)
      const s = lib.openStoredRoom('offline-notes')
      await s.persisted
      return { joined, text: s.doc.getText('content').toString() }
    }, R)
    expect(shown).toEqual({ joined: 'MeshDiscoveryError', text: 'last words before the mesh went down;' })
  })
})
