/**
 * A page on a quiet directory keeps its peer, and a quiet room its connection. y-websocket's client
 * closes a connection that brought no message for 30 s; a page only reads the directory and a
 * `presence: false` client has no awareness, so nothing of their own comes back to them, and every page
 * used to drop its peer and fail over every 30 s. The peer now nudges its clients (keepalive.ts).
 */
import { describe, expect, it } from 'vitest'
import { PORTS, range } from '../helpers/ports.js'
import { allSee, spawnPeer, tempHome, waitFor } from '../helpers/peers.js'
import { join, launchBrowser, pageOn, view } from '../helpers/browser.js'

const R = PORTS.browserQuiet
// Past y-websocket's messageReconnectTimeout (30 s), with room for its 3 s check interval.
const QUIET_MS = 36_000

describe('a quiet directory', () => {
  it('keeps every page on its peer, and a quiet room connected, past y-websocket\'s 30 s silence limit', { timeout: 90_000 }, async () => {
    const home = tempHome()
    const peers = await Promise.all([0, 1].map(() => spawnPeer({ home, args: ['--ports', range(R)] })))
    await waitFor(() => allSee(peers, peers.map((p) => p.id)), 'the mesh to converge')
    const browser = await launchBrowser()
    // A stranger's page and a person's (with the token): both only read the directory.
    const pages = await Promise.all([null, peers[0]!.token].map(async (token) => {
      const { page } = await pageOn(browser, peers[1]!.url)
      const r = await join(page, { ports: R, cache: false, ...(token ? { token } : {}) })
      expect(r.ok, r.message).toBe(true)
      await page.evaluate(() => (window as any).mesh.live)
      return page
    }))
    // A room with one client and no presence: nothing at all would come back to it either.
    await pages[1]!.evaluate(async () => {
      const w = window as any
      w.room = w.mesh.open('quiet-room', { presence: false })
      w.roomStatus = []
      w.room.provider.on('status', (e: { status: string }) => w.roomStatus.push(e.status))
      await w.room.ready
    })
    // Nothing changes in the mesh meanwhile: this waits out the silence limit, it times nothing.
    await new Promise((r) => setTimeout(r, QUIET_MS))
    for (const page of pages) {
      const v = await view(page)
      expect(v.events.filter(([k]) => k === 'status').map(([, s]) => s), 'no reconnect on a quiet directory').not.toContain('reconnecting')
      expect(v.failovers).toEqual([])
      expect(v.status).toBe('connected')
    }
    expect(await pages[1]!.evaluate(() => (window as any).roomStatus), 'the room never dropped').not.toContain('disconnected')
  })
})
