/** mesh.open(room, { persist: true }): the doc is kept in IndexedDB by y-indexeddb. */
import { describe, expect, it } from 'vitest'
import { PORTS, range } from '../helpers/ports.js'
import { spawnPeer, tempHome, waitFor } from '../helpers/peers.js'
import { join, launchBrowser, loadLibrary, pageOn } from '../helpers/browser.js'

const R = PORTS.browserPersist
// Nothing listens on port 9 of loopback: a room opened there can only get its content from IndexedDB.
const NOWHERE = 'http://127.0.0.1:9'

/** Opens `room` from IndexedDB alone and returns its text and whether its provider ever connected. */
const readLocal = (page: import('playwright-core').Page, room: string, nowhere: string) =>
  page.evaluate(
    async ({ room, nowhere }) => {
      const handle = (window as any).mesh.open(room, { persist: true, peer: nowhere })
      await handle.persisted
      const out = { text: handle.doc.getText('content').toString() as string, connected: handle.provider.wsconnected as boolean }
      handle.destroy()
      return out
    },
    { room, nowhere }
  )

describe('a room kept in IndexedDB', () => {
  it('comes back after a reload from IndexedDB alone, before any network', async () => {
    const browser = await launchBrowser()
    const peer = await spawnPeer({ home: tempHome(), args: ['--ports', range(R)] })
    const { page } = await pageOn(browser, peer.url)
    expect((await join(page, { ports: R, cache: false, token: peer.token })).ok).toBe(true)
    await page.evaluate(async () => {
      const w = window as any
      w.room = w.mesh.open('kept-notes', { persist: true })
      await w.room.persisted
      w.room.doc.getText('content').insert(0, 'written before the reload;')
    })
    await waitFor(() => page.evaluate(() => (window as any).room.provider.synced), 'the room to sync with the peer')
    await waitFor(async () => (await readLocal(page, 'kept-notes', NOWHERE)).text === 'written before the reload;', 'IndexedDB to hold the edit')

    await page.reload()
    await loadLibrary(page)
    expect((await join(page, { ports: R, cache: false, token: peer.token })).ok).toBe(true)
    const local = await readLocal(page, 'kept-notes', NOWHERE)
    expect(local).toEqual({ text: 'written before the reload;', connected: false })
  })
})
