/**
 * A process without the mesh key on the range's first port wins discovery (it answers /registry
 * first), and a page that holds the access token must not show it the token: peers prove the key
 * (shared/peer-proof.ts) before the page shows its token, for the URL the page asked, so passing a
 * real peer's proof on does not help the squatter either.
 */
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { join, launchBrowser, pageOn } from '../helpers/browser.js'
import { PORTS, range } from '../helpers/ports.js'
import { getJson, spawnPeer, tempHome, waitFor, type PeerProc } from '../helpers/peers.js'
import { squatter, type Squatter } from '../helpers/squatter.js'
import type { PeerEntry } from '../../src/shared/schema.js'

const R = PORTS.browserPeerProof

/** The squatter on the first port, and the real peer it copies its list from on the second. */
const squatted = async (): Promise<{ peer: PeerProc; sq: Squatter }> => {
  const sq = await squatter('5qa770e500000001', R[0], `http://127.0.0.1:${R[0] + 1}`)
  const peer = await spawnPeer({ home: tempHome(), args: ['--ports', range(R), '--name', 'real'] })
  expect(peer.port).toBe(R[0] + 1)
  sq.list((await getJson<{ peers: PeerEntry[] }>(`${peer.url}/registry`)).peers)
  return { peer, sq }
}

const onPeer = (page: Page, id: string) =>
  page.evaluate((id) => {
    const m = (window as any).mesh
    return m?.status === 'connected' && m.current?.id === id && m.currentUrl !== undefined
  }, id)

describe('a squatter without the key on the first port', () => {
  it('joinMesh with the token passes it by and never sees the token', async () => {
    const browser = await launchBrowser()
    const { peer, sq } = await squatted()
    const { page } = await pageOn(browser, peer.url)
    const result = await join(page, { ports: R, token: peer.token, cache: false })
    expect(result.ok).toBe(true)
    await waitFor(() => onPeer(page, peer.id), 'the page current on the real peer, its directory live')
    // The squatter was asked, with a nonce, and its answer (a real peer's proof, passed on) was refused.
    expect(sq.requests.some((r) => /^GET \/registry\?proof=[0-9a-f]{32}$/.test(r))).toBe(true)
    expect(result.timings!.sources.some((s) => !s.ok && /did not prove the mesh key/.test(s.detail))).toBe(true)
    // The token opens a room on the real peer.
    await page.evaluate(() => (window as any).mesh.open('proof-room').ready)
    expect(sq.shown).toEqual([])
  })

  it('the dashboard with #token= shows the real peer and never shows the squatter the token', async () => {
    const browser = await launchBrowser()
    const { peer, sq } = await squatted()
    const page = await browser.newPage()
    await page.goto(`${peer.url}/#token=${peer.token}`)
    await waitFor(() => onPeer(page, peer.id), 'the dashboard current on the real peer')
    await waitFor(async () => (await page.locator(`#peers tr[data-peer="${peer.id}"]`).count()) === 1, 'the real peer listed')
    // The poller has read the real peer's history with the token: it proved the key first.
    await waitFor(() => page.evaluate((id) => (window as any).dashboard.poller.states.get(id)?.lastOk !== undefined, peer.id), 'a poll of the real peer')
    expect(await page.locator(`#peers tr[data-peer="${sq.entry.id}"]`).count()).toBe(0)
    expect(sq.requests.some((r) => /^GET \/registry\?proof=[0-9a-f]{32}$/.test(r))).toBe(true)
    expect(sq.shown).toEqual([])
  })
})
