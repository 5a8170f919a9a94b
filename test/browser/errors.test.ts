/**
 * Errors that say what to do (issue 13), from a real Chromium page against real peers: a page on an
 * origin the peers do not allow reads why (CORS on the 403) and MeshDiscoveryError names the fix, while
 * each peer logs that origin once; a bad room name, a missing or wrong token and a full peer each reject
 * the room's `ready` with a named error, and the room stops reconnecting.
 */
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { fileURLToPath } from 'node:url'
import { WebSocket } from 'ws'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { PORTS, range } from '../helpers/ports.js'
import { allSee, spawnPeer, tempHome, tokenProtocols, waitFor, type PeerProc } from '../helpers/peers.js'
import { join, launchBrowser, pageOn } from '../helpers/browser.js'
import { testScope } from '../helpers/scope.js'

const R = PORTS.browserErrors
const BUNDLE = readFileSync(fileURLToPath(new URL('../../dist/browser/peer-plan.js', import.meta.url)))
const APP = `http://127.0.0.1:${PORTS.browserErrorsApp[0]}`

const meshOf = async (n: number): Promise<PeerProc[]> => {
  const home = tempHome()
  const peers: PeerProc[] = []
  for (let i = 0; i < n; i++) peers.push(await spawnPeer({ home, args: ['--ports', range(R)] }))
  await waitFor(() => allSee(peers, peers.map((p) => p.id)), `${n} peers to see each other`)
  return peers
}

/** A page on a loopback origin no peer allows (an app's own server), with the library loaded. */
const foreignPage = async (): Promise<Page> => {
  const server = createServer((req, res) => {
    if (req.url === '/peer-plan.js') return void res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(BUNDLE)
    res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>app</title>')
  })
  await new Promise<void>((r) => server.listen(PORTS.browserErrorsApp[0], '127.0.0.1', r))
  testScope().defer(() => new Promise((r) => (server.closeAllConnections(), server.close(r))))
  const page = await (await (await launchBrowser()).newContext()).newPage()
  await page.goto(`${APP}/`)
  await page.addScriptTag({ type: 'module', content: "import * as lib from '/peer-plan.js'; window.peerPlan = lib" })
  await page.waitForFunction(() => (window as any).peerPlan !== undefined)
  return page
}

/** Opens `room` in the page's mesh and reports how its `ready` settled. */
const openRoom = (page: Page, room: string) =>
  page.evaluate(async (room) => {
    const handle = (window as any).mesh.open(room)
    ;(window as any).handle = handle
    try {
      await handle.ready
      return { ok: true as const }
    } catch (e: any) {
      return { ok: false as const, name: e.name as string, code: e.code as number, message: e.message as string, retrying: handle.provider.shouldConnect as boolean, isRoomError: e instanceof (window as any).peerPlan.RoomError }
    }
  }, room)

describe('errors that say what to do', () => {
  it('a refused origin: the page reads the 403, MeshDiscoveryError names the fix, each peer logs the origin once', async () => {
    const peers = await meshOf(2)
    const page = await foreignPage()
    // The refusal is readable from the page: CORS headers on the 403, and a header that says why.
    const answer = await page.evaluate(async (url) => {
      const res = await fetch(`${url}/registry`)
      return { status: res.status, refused: res.headers.get('X-Peer-Plan-Refused'), body: await res.text() }
    }, peers[0]!.url)
    expect(answer).toMatchObject({ status: 403, refused: 'origin' })
    expect(answer.body).toMatch(/--allow-origin/)

    for (let i = 0; i < 2; i++) {
      const r = await join(page, { ports: R, cache: false, timeoutMs: 3000 })
      expect(r.ok).toBe(false)
      expect(r.name).toBe('MeshDiscoveryError')
      expect(r.message).toContain(`origin ${APP} is not allowed by the peers at `)
      for (const p of peers) expect(r.message).toContain(p.url)
      expect(r.message).toContain(`; start them with --allow-origin ${APP} (or use the Vite plugin peer-plan/vite)`)
    }
    const line = `refused a page from origin ${APP}: to let it in, start the peers with --allow-origin ${APP}`
    await waitFor(() => peers.every((p) => p.stderr().includes(line)), 'each peer to log the refused origin')
    for (const p of peers) expect(p.stderr().split(line).length - 1, 'logged once, at info').toBe(1)
    for (const p of peers) expect(p.stderr()).toMatch(/ info: refused a page from origin/)
  })

  it('a bad room name, a missing token and a wrong token are named errors, and the room stops reconnecting', async () => {
    const [peer] = await meshOf(1)
    const { page } = await pageOn(await launchBrowser(), peer!.url)

    expect((await join(page, { ports: R, cache: false, token: peer!.token })).ok).toBe(true)
    expect(await openRoom(page, 'no spaces allowed')).toMatchObject({ ok: false, name: 'RoomNameError', code: 4400, retrying: false, isRoomError: true })
    expect(await openRoom(page, 'fine-name')).toEqual({ ok: true })

    // The peer says it too, to a peer-plan page client that names a room it will not serve.
    const code = await page.evaluate((url) => new Promise<number>((resolve) => {
      const ws = new globalThis.WebSocket(`${url.replace('http', 'ws')}/_private`, ['peer-plan'])
      ws.onclose = (e) => resolve(e.code)
    }), peer!.url)
    expect(code).toBe(4400)

    await page.evaluate(() => (window as any).mesh.destroy())
    expect((await join(page, { ports: R, cache: false })).ok).toBe(true)
    const missing = await openRoom(page, 'needs-a-token')
    expect(missing).toMatchObject({ ok: false, name: 'AccessTokenError', code: 4401, retrying: false })
    expect(missing.ok === false && missing.message).toMatch(/access token required/)

    await page.evaluate(() => (window as any).mesh.destroy())
    expect((await join(page, { ports: R, cache: false, token: '0'.repeat(64) })).ok).toBe(true)
    const wrong = await openRoom(page, 'needs-a-token')
    expect(wrong).toMatchObject({ ok: false, name: 'AccessTokenError', code: 4401, retrying: false })
    expect(wrong.ok === false && wrong.message).toMatch(/wrong access token/)
  })

  it('a full peer is a PeerFullError, not endless reconnects', async () => {
    const [peer] = await meshOf(1)
    // Fill the peer's 64 rooms as a person's clients would.
    const host = peer!.url.replace('http://', '')
    const sockets: WebSocket[] = []
    testScope().defer(() => sockets.forEach((ws) => ws.terminate()))
    for (let i = 0; i < 64; i++) {
      const ws = new WebSocket(`ws://${host}/filler-${i}`, tokenProtocols(peer!))
      sockets.push(ws)
      await new Promise((ok, fail) => (ws.once('open', ok), ws.once('unexpected-response', (_q, res) => fail(new Error(`filler-${i}: ${res.statusCode}`)))))
    }
    const { page } = await pageOn(await launchBrowser(), peer!.url)
    expect((await join(page, { ports: R, cache: false, token: peer!.token })).ok).toBe(true)
    expect(await openRoom(page, 'one-too-many')).toMatchObject({ ok: false, name: 'PeerFullError', code: 4503, retrying: false })
    // A room the peer already holds still opens.
    expect(await openRoom(page, 'filler-3')).toEqual({ ok: true })
  })
})
