/**
 * peer-plan/vite (issue 13): the example app in examples/vite, served by a real Vite dev server
 * (createServer) and by `vite preview` after a real build, driven in headless Chromium against real
 * peers started with NO --allow-origin. The page lists the mesh, follows it (pushed over Vite's hot
 * channel in dev, polled in preview) and opens a room, all through the plugin on its own origin.
 */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Page } from 'playwright-core'
import { build, createServer, preview } from 'vite'
import { describe, expect, it } from 'vitest'
import { PORTS, range } from '../helpers/ports.js'
import { allSee, spawnPeer, tempHome, waitFor, type PeerProc } from '../helpers/peers.js'
import { tempDir } from '../helpers/temp.js'
import { launchBrowser } from '../helpers/browser.js'
import { roomClient } from '../helpers/rooms.js'
import { testScope } from '../helpers/scope.js'

const R = PORTS.vite
const S = PORTS.viteServers
const EXAMPLE = fileURLToPath(new URL('../../examples/vite/', import.meta.url))
const CONFIG = join(EXAMPLE, 'vite.config.ts')

/** The plugin finds the peers as peer-plan-node does: PEER_PLAN_HOME and PEER_PLAN_PORTS. */
const meshEnv = (home: string) => {
  const before = { home: process.env.PEER_PLAN_HOME, ports: process.env.PEER_PLAN_PORTS }
  process.env.PEER_PLAN_HOME = home
  process.env.PEER_PLAN_PORTS = range(R)
  testScope().defer(() => {
    for (const [k, v] of [['PEER_PLAN_HOME', before.home], ['PEER_PLAN_PORTS', before.ports]] as const) if (v === undefined) delete process.env[k]
    else process.env[k] = v
  })
}

const startMesh = async (n: number) => {
  const home = tempHome()
  meshEnv(home)
  const peers: PeerProc[] = []
  for (let i = 0; i < n; i++) peers.push(await spawnPeer({ home, args: ['--ports', range(R)] }))
  await waitFor(() => allSee(peers, peers.map((p) => p.id)), `${n} peers to see each other`)
  return { home, peers }
}

const text = (page: Page, id: string) => page.evaluate((id) => document.getElementById(id)!.textContent ?? '', id)
const listed = (page: Page) => page.evaluate(() => [...document.querySelectorAll('#peers li')].map((li) => li.id.replace('peer-', '')).sort())
const pushed = async (page: Page) => (await text(page, 'pushed')).split(' ').filter(Boolean).sort()
const ids = (peers: PeerProc[]) => peers.map((p) => p.id).sort()

/** Opens the example on `origin` with the token, and waits until it lists `peers` and holds the room open. */
const openExample = async (origin: string, peers: PeerProc[]): Promise<Page> => {
  const browser = await launchBrowser()
  const page = await (await browser.newContext()).newPage()
  page.on('pageerror', (err) => process.stderr.write(`[page error] ${err.message}\n`))
  await page.goto(`${origin}/#token=${peers[0]!.token}`)
  await waitFor(async () => (await text(page, 'status')).startsWith('connected') || (await text(page, 'error')) !== '', 'the page to join and open its room')
  expect(await text(page, 'error')).toBe('')
  expect(await listed(page)).toEqual(ids(peers))
  return page
}

/** An edit in the page reaches a client on a peer, and the other way round. */
const roomWorks = async (page: Page, peer: PeerProc, word: string) => {
  const agent = roomClient(peer, 'vite-example')
  await page.evaluate((w) => (window as any).room.doc.getText('content').insert(0, w), word)
  await waitFor(() => agent.text().includes(word), 'the page\'s edit to reach a client on a peer')
  agent.append(` ${word}-back`)
  await waitFor(async () => (await page.evaluate(() => (document.getElementById('room') as HTMLTextAreaElement).value)).includes(`${word}-back`), 'the peer\'s edit to reach the page')
}

const noRefusals = (peers: PeerProc[]) => {
  for (const p of peers) expect(p.stderr()).not.toMatch(/refused a page from origin/)
}

describe('peer-plan/vite', () => {
  it('vite dev: the page lists the mesh, follows it over the hot channel and opens a room, with no --allow-origin', async () => {
    const { home, peers } = await startMesh(2)
    const server = await createServer({ configFile: CONFIG, cacheDir: join(tempDir(), 'vite-cache'), logLevel: 'silent', server: { port: S[0], strictPort: true } })
    testScope().defer(() => server.close())
    await server.listen()
    const origin = `http://localhost:${S[0]}`

    const page = await openExample(origin, peers)
    expect(await page.evaluate(() => (window as any).mesh.via)).toBe('dev-server')
    await waitFor(async () => (await pushed(page)).join() === ids(peers).join(), 'the pushed list to show the mesh')
    await roomWorks(page, peers[1]!, 'from-vite-dev')

    // A peer joins: the plugin's directory sees it and pushes it over Vite's hot channel; the page's own
    // directory (through the relay) shows it too.
    peers.push(await spawnPeer({ home, args: ['--ports', range(R)] }))
    await waitFor(async () => (await pushed(page)).join() === ids(peers).join(), 'the hot channel to push the new peer')
    await waitFor(async () => (await listed(page)).join() === ids(peers).join(), 'the page to list the new peer')
    noRefusals(peers)

    // The peer the page (and the plugin) follow is SIGKILLed: both move to another peer through the
    // relay, and the room goes on with the same doc.
    const currentId = await page.evaluate(() => (window as any).mesh.current.id as string)
    const victim = peers.find((p) => p.id === currentId)!
    peers.splice(peers.indexOf(victim), 1)
    await victim.stop('SIGKILL')
    await waitFor(async () => (await listed(page)).join() === ids(peers).join() && (await page.evaluate(() => (window as any).mesh.status)) === 'connected', 'the page to fail over and drop the dead peer')
    await waitFor(async () => (await pushed(page)).join() === ids(peers).join(), 'the plugin to follow another peer and push the change')
    await waitFor(() => page.evaluate(() => (window as any).room.provider.synced as boolean), 'the room to sync on a live peer')
    await roomWorks(page, peers[0]!, 'after-failover')

    // Refusals come through the relay as close codes the page can read (no token: 4401).
    const code = await page.evaluate((port) => new Promise<number>((resolve) => {
      const ws = new globalThis.WebSocket(`ws://${location.host}/api/peer/${port}/needs-a-token`, ['peer-plan'])
      ws.onclose = (e) => resolve(e.code)
    }), peers[0]!.port)
    expect(code).toBe(4401)

    // The relay is the dev server's own: another origin, or a port no peer serves, is refused.
    const foreign = await fetch(`${origin}/api/registry`, { headers: { Origin: 'http://evil.example' } })
    expect(foreign.status).toBe(403)
    expect((await fetch(`${origin}/api/peer/${S[1]}/health`)).status).toBe(404)
  })

  it('vite preview after vite build: the page lists the mesh, polls it and opens a room', async () => {
    const { peers } = await startMesh(2)
    const outDir = join(tempDir(), 'dist')
    await build({ configFile: CONFIG, logLevel: 'silent', build: { outDir, emptyOutDir: true } })
    const server = await preview({ configFile: CONFIG, logLevel: 'silent', build: { outDir }, preview: { port: S[1], strictPort: true } })
    testScope().defer(() => server.close())
    const origin = `http://localhost:${S[1]}`

    const page = await openExample(origin, peers)
    await roomWorks(page, peers[0]!, 'from-vite-preview')
    await waitFor(async () => (await pushed(page)).join() === ids(peers).join(), 'the polled list to show the mesh')
    const gone = peers.pop()!
    await gone.stop('SIGTERM')
    await waitFor(async () => (await pushed(page)).join() === ids(peers).join(), 'the polled list to drop the peer that left')
    await waitFor(async () => (await listed(page)).join() === ids(peers).join(), 'the page to drop the peer that left')
    noRefusals(peers)
  })
})
