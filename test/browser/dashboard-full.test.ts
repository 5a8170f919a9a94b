/**
 * The dashboard a person keeps open (issue 13): peers with their agents, workspaces, rooms, age and
 * health; a room shown read-only and live, whatever shared types it holds; the history the peers kept
 * from before the page loaded; how the page found the mesh, and what it shows while it fails over.
 * Real peers, a real MCP agent on a peer's socket, real Chromium. Screenshots go to test-artifacts/.
 */
import { mkdir } from 'node:fs/promises'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { Page } from 'playwright-core'
import { socketPathFor } from '../../src/node/mcp/socket-server.js'
import { launchBrowser } from '../helpers/browser.js'
import { call, socketAgent } from '../helpers/mcp.js'
import { allSee, spawnPeer, tempHome, waitFor, type PeerProc } from '../helpers/peers.js'
import { PORTS, range } from '../helpers/ports.js'
import { roomClient } from '../helpers/rooms.js'

const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts')

const text = (page: Page, selector: string) => page.locator(selector).first().textContent()

/** The message count the history shows from one peer to another (summed over its minutes). */
const messagesShown = (page: Page, from: string, to: string) =>
  page.evaluate(
    ([from, to]) => [...(window as any).dashboard.history.byKey.values()].filter((e: any) => e.kind === 'messages' && e.peer === from && e.to === to).reduce((n: number, e: any) => n + e.count, 0),
    [from, to]
  )

describe('the dashboard a person keeps open', () => {
  it('shows agents, rooms, health, a live read-only room, the history from before it loaded, and how it is connected', async () => {
    const browser = await launchBrowser()
    const home = tempHome()
    const args = ['--ports', range(PORTS.dashboardFull)]
    const peers: PeerProc[] = await Promise.all(['alpha', 'beta', 'gamma'].map((n) => spawnPeer({ home, args: [...args, '--name', n] })))
    const [alpha, beta] = peers as [PeerProc, PeerProc, PeerProc]
    await waitFor(() => allSee(peers, peers.map((p) => p.id)), 'the mesh to converge')

    // Before the page loads: an agent registers (with a workspace), writes a room and sends a message,
    // and a short-lived peer joins and leaves. The page must show all of it from the peers' history.
    const workspace = resolve(home, '..', 'my-project')
    const agent = await socketAgent(socketPathFor(home, alpha.id), { name: 'claude-code', version: '2.1.0', root: workspace })
    await socketAgent(socketPathFor(home, beta.id), { name: 'cursor', version: '1.4.2', root: resolve(home, '..', 'webapp') })
    await call(agent.client, 'write_room', { room: 'plan', text: 'step 1: build the dashboard\n' })
    await call(agent.client, 'send_message', { to: beta.id, text: 'hello beta (this text never reaches the dashboard)' })
    const brief = await spawnPeer({ home, args: [...args, '--name', 'brief'] })
    await waitFor(() => allSee(peers, [...peers, brief].map((p) => p.id)), 'the short-lived peer to join')
    brief.kill('SIGKILL')
    await waitFor(() => allSee(peers, peers.map((p) => p.id)), 'the short-lived peer to be evicted')
    // A room of an app that keeps a map and an array besides its text: the page never declared them.
    const app = roomClient(beta, 'board')
    app.doc.transact(() => {
      app.doc.getText('content').insert(0, 'the board')
      app.doc.getMap('meta').set('owner', 'alice')
      app.doc.getArray('tasks').push(['design', 'build'])
    })

    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } })
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    page.on('console', (m) => m.type() === 'error' && !/ERR_CONNECTION_REFUSED/.test(m.text()) && errors.push(m.text()))
    await page.goto(`${alpha.url}/#token=${alpha.token}`)
    await waitFor(async () => (await text(page, '#status')) === 'connected', 'the page to connect')

    // Peers: agent (client, version, transport), workspace, rooms, age, health.
    const row = (p: PeerProc) => page.locator(`#peers tr[data-peer="${p.id}"]`)
    await waitFor(async () => (await row(alpha).locator('.agent').count()) === 1, 'the agent in alpha\'s row')
    expect(await row(alpha).locator('.agents').textContent()).toMatch(/claude-code 2\.1\.0\s*socket/)
    expect(await row(alpha).locator('.workspace').textContent()).toBe('my-project')
    expect(await row(alpha).locator('.rooms').textContent()).toContain('plan')
    await waitFor(async () => (await row(beta).locator('.workspace').textContent()) === 'webapp', 'the second agent\'s workspace')
    expect(await row(beta).locator('.agents').textContent()).toMatch(/cursor 1\.4\.2\s*socket/)
    expect(await row(peers[2]!).locator('.agents').textContent()).toBe('none')
    for (const p of peers) {
      expect(await row(p).locator('.age').textContent()).toMatch(/^\d+s$|^\d+m \d+s$/)
      await waitFor(async () => (await row(p).getAttribute('data-health')) === 'live' && /answered .* ago in \d+ ms/.test((await row(p).locator('.health').textContent()) ?? ''), `${p.id} live, with when it answered`)
    }
    expect(await page.locator('#peers tbody tr').count()).toBe(3)

    // The history the peers kept before the page loaded: joins, the agent, the room, the message count,
    // the short-lived peer leaving; no message text anywhere.
    const before = (kind: string) => page.locator(`#history li.before-load[data-kind="${kind}"]`)
    await waitFor(async () => (await before('peer-left').count()) === 1, 'the earlier leave in the history')
    expect(await before('peer-left').textContent()).toContain('brief')
    expect(await before('peer-joined').count()).toBe(4)
    // An agent's workspace (from its roots) comes in the registration when it is known by the first
    // publish, else in an event of its own: either history is right.
    const joined = (await page.locator('#history li.before-load[data-kind="agent-joined"]').allTextContents()).join('\n')
    const workspaces = (await page.locator('#history li.before-load[data-kind="agent-workspace"]').allTextContents()).join('\n')
    expect(joined).toMatch(/agent claude-code( in my-project)? registered on alpha/)
    expect(joined).toMatch(/agent cursor( in webapp)? registered on beta/)
    expect(`${joined}\n${workspaces}`).toMatch(/agent claude-code in my-project (registered )?on alpha/)
    expect(await page.locator('#history li[data-key="room:plan"]').count()).toBe(1)
    await waitFor(async () => (await messagesShown(page, alpha.id, beta.id)) === 1, 'the earlier message counted')
    expect(await page.locator('body').textContent()).not.toContain('hello beta')
    expect(await page.locator('#history li.divider').count()).toBeLessThanOrEqual(1)

    // Connection: how the page found the mesh and which peer it reads.
    const via = await text(page, '#via')
    expect(['registry', 'scan']).toContain(via)
    expect(await page.locator(`#timings tr[data-source="${via}"]`).textContent()).toMatch(/found a peer at/)
    const current = await page.evaluate(() => (window as any).mesh.current.id as string)
    const currentPeer = peers.find((p) => p.id === current)!
    expect(await text(page, '#status-detail')).toMatch(new RegExp(`reading the directory live from .*${currentPeer.url}.* found via ${via}`))
    await mkdir(ARTIFACTS, { recursive: true })

    // A room opened from the list: every shared type shown, live, and never written by the page.
    await page.locator('#rooms li[data-room="board"] button').click()
    const shown = (type: string) => page.locator(`#room-view [data-type="${type}"] pre`).textContent()
    await waitFor(async () => (await page.locator('#room-view [data-type="tasks"]').count()) === 1, 'the board room shown')
    expect(await shown('content')).toBe('the board')
    expect(JSON.parse((await shown('meta'))!)).toEqual({ owner: 'alice' })
    expect(JSON.parse((await shown('tasks'))!)).toEqual(['design', 'build'])
    expect(await page.locator('#room-view [data-type="meta"]').getAttribute('data-kind')).toBe('Y.Map')
    app.doc.getArray('tasks').push(['ship'])
    app.doc.getText('content').insert(9, ': 3 tasks')
    await waitFor(async () => (await shown('content')) === 'the board: 3 tasks' && JSON.parse((await shown('tasks'))!).length === 3, 'the room to follow edits live')
    const pageClient = await page.evaluate(() => (window as any).dashboard.rooms.doc.clientID as number)
    expect([...Y.decodeStateVector(Y.encodeStateVector(app.doc)).keys()]).not.toContain(pageClient)
    expect(app.provider.awareness.getStates().has(pageClient)).toBe(false)

    // Live history: a message sent now, and a room appearing, arrive without a reload.
    await call(agent.client, 'send_message', { to: beta.id, text: 'second' })
    await waitFor(async () => (await messagesShown(page, alpha.id, beta.id)) === 2, 'the new message counted')
    await waitFor(async () => (await page.locator('#history li[data-key="room:board"]').count()) === 1, 'the board room in the history')
    await page.screenshot({ path: `${ARTIFACTS}/dashboard.png`, fullPage: true })
    await page.locator('#room-view').locator('xpath=..').screenshot({ path: `${ARTIFACTS}/dashboard-room.png` })

    // The peer the page reads dies: the page says it is reconnecting, moves on, and the dead peer stays
    // listed as gone with when it was last seen.
    currentPeer.kill('SIGKILL')
    await waitFor(async () => (await row(currentPeer).getAttribute('data-health')) === 'gone', 'the dead peer shown as gone')
    await waitFor(async () => (await text(page, '#status')) === 'connected' && (await page.evaluate(() => (window as any).mesh.current.id)) !== current, 'the page on another peer')
    expect(await page.locator('#connection-log').textContent()).toMatch(/reconnecting: /)
    expect(await row(currentPeer).locator('.health').textContent()).toMatch(/left \d+s ago/)
    await waitFor(async () => /failover 1/.test((await text(page, '#timings')) ?? ''), 'the failover\'s timing')
    await waitFor(async () => (await page.locator('#history li[data-kind="peer-left"]').count()) === 2, 'the leave in the history')
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-failover.png`, fullPage: true })
    expect(errors).toEqual([])
  })

  it('serves the history to people only: 401 without the token, 400 for a bad cursor, CORS lets a mesh page send the token; a page without it shows peers and health only', async () => {
    const home = tempHome()
    const peer = await spawnPeer({ home, args: ['--ports', range(PORTS.dashboardEvents)] })
    const auth = { Authorization: `Bearer ${peer.token}` }
    const stranger = await fetch(`${peer.url}/events`)
    expect(stranger.status).toBe(401)
    expect(await stranger.text()).not.toContain(peer.id)
    expect((await fetch(`${peer.url}/events`, { headers: { Authorization: 'Bearer 00' } })).status).toBe(401)
    const bad = await fetch(`${peer.url}/events?after=-1`, { headers: auth })
    expect(bad.status).toBe(400)
    expect((await bad.json()).error).toMatch(/after must be a whole number/)
    const all = await (await fetch(`${peer.url}/events?after=0`, { headers: auth })).json()
    expect(all.self).toBe(peer.id)
    expect(all.events.map((e: any) => [e.kind, e.peer])).toEqual([['peer-joined', peer.id]])
    const after = await (await fetch(`${peer.url}/events?after=${all.seq}`, { headers: auth })).json()
    expect(after.events).toEqual([])
    const origin = `http://127.0.0.1:${PORTS.dashboardEvents[0]}`
    const pre = await fetch(`${peer.url}/events`, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' } })
    expect(pre.status).toBe(204)
    expect(pre.headers.get('access-control-allow-headers')).toMatch(/Authorization/)

    // A page without the token: peers and their health (from /health), no history, no room, not even its name.
    const writer = roomClient(peer, 'secret-plans')
    writer.append('not for strangers')
    await waitFor(async () => JSON.stringify(await (await fetch(`${peer.url}/registry`, { headers: auth })).json()).includes('secret-plans'), 'the directory to name the room, for people')
    const browser = await launchBrowser()
    const page = await browser.newPage()
    const asked: string[] = []
    page.on('request', (r) => asked.push(new URL(r.url()).pathname))
    await page.goto(`${peer.url}/`)
    await waitFor(async () => (await page.locator(`#peers tr[data-peer="${peer.id}"]`).getAttribute('data-health').catch(() => null)) === 'live' && /answered/.test((await text(page, `#peers tr[data-peer="${peer.id}"] .health`)) ?? ''), 'the peer live from /health')
    expect(await text(page, '#history')).toMatch(/needs the access token/)
    await waitFor(async () => /room names are for people with the access token/.test((await text(page, '#rooms')) ?? ''), 'the rooms section to say why it lists none')
    expect(asked).not.toContain('/events')
    for (const secret of ['not for strangers', 'secret-plans']) expect(await page.locator('body').textContent()).not.toContain(secret)

    // A token the peers refuse (another mesh's, an old key's): said once, and health still works.
    const wrong = await browser.newPage()
    await wrong.goto(`${peer.url}/#token=${'0'.repeat(64)}`)
    await waitFor(async () => /refused this page's access token/.test((await text(wrong, '#history')) ?? ''), 'the refusal said')
    await waitFor(async () => (await wrong.locator(`#peers tr[data-peer="${peer.id}"]`).getAttribute('data-health').catch(() => null)) === 'live', 'health from /health')
    // Its directory is read as a stranger's once the token is refused: the peers, without room names.
    await waitFor(async () => (await wrong.evaluate(() => (window as unknown as { mesh: { status: string } }).mesh.status)) === 'connected', 'the live directory, read without the refused token')
    await waitFor(async () => /refused this page's access token/.test((await text(wrong, '#rooms')) ?? ''), 'the rooms section to say the token was refused')
    expect(await wrong.locator('body').textContent()).not.toContain('secret-plans')

    // A token cut or padded on its way (no WebSocket could carry this one): the stranger's view, live.
    const mangled = await browser.newPage()
    const warnings: string[] = []
    mangled.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()))
    await mangled.goto(`${peer.url}/#token=${'a'.repeat(64)}%20x`)
    await waitFor(async () => (await mangled.evaluate(() => (window as unknown as { mesh?: { status: string } }).mesh?.status)) === 'connected', 'the live directory, read without the mangled token')
    await waitFor(async () => (await mangled.locator(`#peers tr[data-peer="${peer.id}"]`).count()) === 1, 'the peer listed')
    expect(warnings.join('\n')).toMatch(/not an access token/)
  })
})
