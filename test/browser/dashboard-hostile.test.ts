/**
 * The dashboard attacked for real: hostile values in every field that reaches it, in headless Chromium.
 * Sources: peers' --name; entries a holder of the mesh key writes (name, version, rooms, agents, and ids
 * `__proto__` / `constructor`), each answered at its URL by a server that also serves a hostile history
 * (GET /events); an MCP agent's clientInfo and root; rooms' contents and shared type names; the page's
 * query string and fragment. Each payload is markup that would record itself in `window.__pwned` if
 * run, and load from the hostile server if parsed. Shown twice: with the peer's CSP, and with the CSP
 * bypassed, so the rendering (text, never HTML) holds on its own as well.
 *
 * Found by it and fixed: a bidi override (U+202E) in a name turned the rest of its line around, the
 * page's words and other peers' names and URLs included (values now sit in <bdi>); a room's Y.Map key
 * `__proto__` was shown nowhere (Y.Map's toJSON fills a `{}`).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { Browser, Page } from 'playwright-core'
import { socketPathFor } from '../../src/node/mcp/socket-server.js'
import type { MeshEvent } from '../../src/shared/mesh-events.js'
import type { PeerEntry } from '../../src/shared/schema.js'
import { launchBrowser } from '../helpers/browser.js'
import { directoryClient } from '../helpers/directory-client.js'
import { hostileServer, type HostileServer } from '../helpers/hostile-server.js'
import { call, socketAgent } from '../helpers/mcp.js'
import { allSee, spawnPeer, tempHome, waitFor, type PeerProc } from '../helpers/peers.js'
import { PORTS } from '../helpers/ports.js'
import { roomClient } from '../helpers/rooms.js'

const [P] = PORTS.dashboardHostile
/** Peers take P..P+5; the hostile entries' servers P+8 and P+9, which payloads load from. */
const [SERVER_A, SERVER_B] = [P + 8, P + 9]
const RLO = '\u202e'
const mark = (tag: string) => `(window.__pwned??=[]).push('${tag}')`
const img = (tag: string) => `<img src=//127.0.0.1:${SERVER_B}/p?${tag} onerror="${mark(tag)}">`
const svg = (tag: string) => `"><svg onload="${mark(tag)}">`
/** No white space: the test helper reads a peer's name from its ready line. */
const tight = (tag: string) => `<svg/onload=${mark(tag)}>`

const hostileEntry = (id: string, port: number): PeerEntry => ({
  id, name: `${img(`${id}-name`)}${RLO}`, url: `http://127.0.0.1:${port}`, host: '127.0.0.1', port, pid: 1, pidStart: null,
  // Another machine's: the peers keep it while its URL answers /health with its id.
  hostId: 'another-machine', version: `${tight('version')}${RLO}`, protocol: 2, startedAt: Date.now(),
  rooms: ['__proto__', 'constructor', 'toString', img(`${id}-room`), `${RLO}room`], storedRooms: [img(`${id}-stored`), 'hasOwnProperty'],
  capabilities: [tight('cap')],
  agents: [{ session: id, client: `${img(`${id}-client`)}${RLO}`, version: `${tight('agent-version')}${RLO}`, title: img('title'), capabilities: ['roots'], ready: true, workspace: `${svg(`${id}-ws`)}${RLO}`, transport: 'socket', since: Date.now() }]
})

const KINDS = ['peer-joined', 'peer-left', 'peer-returned', 'agent-joined', 'agent-workspace', 'agent-left', 'room-appeared', 'messages'] as const
const KEYS = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'prototype', 'isPrototypeOf']

const hostileHistory = (peer: string): MeshEvent[] =>
  KINDS.map((kind, i) => ({ seq: i + 1, kind, key: KEYS[i]!, at: Date.now() - 1000, peer, name: `${img(`${peer}-ev`)}${RLO}`, detail: `${svg(kind)}${RLO}`, to: '__proto__', count: 2 }))

interface Stage {
  alpha: PeerProc
  entries: PeerEntry[]
  servers: HostileServer[]
  workspace: string
}

/** Two real peers with hostile names, two hostile entries, an agent and two rooms full of payloads. */
const stage = async (): Promise<Stage> => {
  const home = tempHome()
  const entries = [hostileEntry('__proto__', SERVER_A), hostileEntry('constructor', SERVER_B)]
  const servers = [await hostileServer(SERVER_A, entries[0]!, hostileHistory('__proto__')), await hostileServer(SERVER_B, entries[1]!, [])]
  const args = ['--ports', `${P}-${P + 5}`, '--no-mdns']
  const peers = await Promise.all([0, 1].map((i) => spawnPeer({ home, args: [...args, '--name', `${tight(`peer${i}`)}${RLO}x`] })))
  const [alpha, beta] = peers as [PeerProc, PeerProc]
  // A compromised holder of the key: it proves the key to the page, which then reads its history.
  for (const s of servers) s.token = alpha.token
  await waitFor(() => allSee(peers, peers.map((p) => p.id)), 'the mesh to converge')
  const key = Buffer.from(readFileSync(join(home, 'mesh.key'), 'utf8').trim(), 'hex')
  const insider = await directoryClient(alpha.url, { key, selfId: 'insider0', targetId: alpha.id })
  insider.doc.transact(() => entries.forEach((e) => insider.doc.getMap('peers').set(e.id, e)))
  await insider.flushed()
  await waitFor(() => allSee(peers, [...peers.map((p) => p.id), ...entries.map((e) => e.id)]), 'the hostile entries listed by every peer')
  // No `?` in it: the root is a file:// URI, where one would start a query.
  const workspace = `"><svg onload="window.__pwned=['mcp-ws']">${RLO}`
  const agent = await socketAgent(socketPathFor(home, alpha.id), { name: `${img('mcp-name')}${RLO}`, version: tight('mcp-version'), title: img('mcp-title'), root: `/tmp/${workspace}` })
  await call(agent.client, 'write_room', { room: 'plan', text: `${img('room-text')}${RLO}` })
  const app = roomClient(beta, 'board')
  app.doc.transact(() => {
    app.doc.getText('content').insert(0, img('text'))
    app.doc.getMap('meta').set('__proto__', { polluted: img('proto') })
    app.doc.getMap('meta').set('constructor', img('constructor'))
    app.doc.getArray('tasks').push([img('array')])
    const element = new Y.XmlElement('img')
    element.setAttribute('src', 'x')
    element.setAttribute('onerror', mark('xml'))
    app.doc.getXmlFragment('xml').push([element, new Y.XmlText(img('xml-text'))])
    app.doc.getText(`${img('type-name')}${RLO}`).insert(0, 'x')
  })
  return { alpha, entries, servers, workspace }
}

/**
 * Text the page wrote itself, or a value with no bidi control in it, laid out right to left: a control
 * in some other value reached it. Each text node's first and last visible characters, on one line.
 */
const reversedText = (page: Page): Promise<string[]> =>
  page.evaluate(() => {
    const out: string[] = []
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
    const range = document.createRange()
    const rect = (n: Node, i: number) => (range.setStart(n, i), range.setEnd(n, i + 1), range.getBoundingClientRect())
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const t = n.nodeValue ?? ''
      const first = t.search(/\S/)
      const last = t.length - 1 - (t.split('').reverse().join('').search(/\S/))
      if (/[\u200e\u200f\u202a-\u202e\u2066-\u2069]/.test(t) || first < 0 || last <= first) continue
      const [a, b] = [rect(n, first), rect(n, last)]
      if (a.width && b.width && Math.abs(a.top - b.top) < 2 && a.left > b.left) out.push(t)
    }
    return out
  })

const openDashboard = async (browser: Browser, s: Stage, bypassCSP: boolean) => {
  const ctx = await browser.newContext({ bypassCSP, viewport: { width: 1280, height: 1400 } })
  // A parsed payload blocked by the CSP shows here, even though it ran nothing.
  await ctx.addInitScript(() => document.addEventListener('securitypolicyviolation', (e) => ((window as any).__csp ??= []).push(`${e.violatedDirective} ${e.blockedURI}`)))
  const page = await ctx.newPage()
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  // Chromium logs each refused probe of the range scan: the scan working, not a fault of the page.
  page.on('console', (m) => m.type() === 'error' && !/ERR_CONNECTION_REFUSED/.test(m.text()) && errors.push(m.text()))
  const response = await page.goto(`${s.alpha.url}/?q=${encodeURIComponent(img('query'))}#token=${s.alpha.token}&x=${encodeURIComponent(img('fragment'))}`)
  const count = (selector: string) => page.locator(selector).count()
  await waitFor(async () => (await count('#peers tr[data-peer="__proto__"] .agent')) === 1 && (await count('#peers tr[data-peer="constructor"] .agent')) === 1, 'the hostile entries\' rows')
  await waitFor(async () => (await count('#history li[data-key="isPrototypeOf"]')) === 1 && (await count('#history li[data-kind="agent-joined"]')) >= 3, 'the hostile history and the agents\' events')
  await waitFor(async () => (await page.locator(`#peers tr[data-peer="${s.alpha.id}"] .workspace`).textContent()) === s.workspace, 'the agent\'s workspace (from its roots, after initialize)')
  // A room name no room may have: the page says so and goes on.
  await page.locator('#rooms li[data-room="__proto__"] button').click()
  await page.locator('#rooms li[data-room="board"] button').click()
  await waitFor(async () => (await count('#room-view .shared-type')) === 5, 'every shared type of the board shown')
  return { ctx, page, errors, headers: response!.headers() }
}

const framedBy = async (browser: Browser, s: Stage): Promise<string> => {
  s.servers[1]!.pages.set('/frame', `<!doctype html><iframe src="${s.alpha.url}/"></iframe>`)
  const page = await browser.newPage()
  await page.goto(`http://127.0.0.1:${SERVER_B}/frame`)
  await waitFor(() => page.frames().length === 2 && page.frames()[1]!.url() !== 'about:blank', 'the frame to settle')
  const url = page.frames()[1]!.url()
  await page.close()
  return url
}

describe('the dashboard, fed hostile values everywhere', () => {
  it('shows each as text, runs none, and keeps each value\'s bidi controls to itself', { timeout: 120_000 }, async () => {
    const browser = await launchBrowser()
    const s = await stage()
    for (const bypassCSP of [false, true]) {
      const { ctx, page, errors, headers } = await openDashboard(browser, s, bypassCSP)
      const found = await page.evaluate(() => ({ pwned: (window as any).__pwned ?? [], csp: (window as any).__csp ?? [] }))
      expect(found, `bypassCSP ${bypassCSP}`).toEqual({ pwned: [], csp: [] })
      expect(s.servers.flatMap((x) => x.hits)).toEqual([])
      expect(errors).toEqual([])
      // The history was read from the hostile server (it proves the key): with a proof for each request, never the token.
      const shown = s.servers[0]!.eventsAuth
      expect(shown.length).toBeGreaterThan(0)
      for (const auth of shown) expect(auth.startsWith('PeerPlanProof v1 ') && !auth.includes(s.alpha.token)).toBe(true)

      const [a] = s.entries as [PeerEntry]
      const row = page.locator('#peers tr[data-peer="__proto__"]')
      expect(await row.locator('td').first().textContent()).toContain(a.name)
      expect(await row.locator('.agents').textContent()).toContain(a.agents![0]!.client)
      expect(await row.locator('.workspace').textContent()).toBe(a.agents![0]!.workspace)
      expect(await row.locator('.rooms .chip').allTextContents()).toEqual(expect.arrayContaining(['__proto__', 'constructor', 'toString', a.rooms![3]!]))
      expect(await page.locator(`#peers tr[data-peer="${s.alpha.id}"] .workspace`).textContent()).toBe(s.workspace)
      expect(await page.locator('#history li[data-key="__proto__"]').textContent()).toContain(`${svg('peer-joined')}${RLO}`)
      expect(await page.locator('#room-view [data-type="content"] pre').textContent()).toBe(img('text'))
      expect(await page.locator('#room-view [data-type="xml"] pre').textContent()).toContain('<img')
      const meta = JSON.parse((await page.locator('#room-view [data-type="meta"] pre').textContent())!)
      expect(Object.keys(meta).sort()).toEqual(['__proto__', 'constructor'])
      expect(await page.locator('footer bdi').textContent()).toBe(`${tight('peer0')}${RLO}x`)

      expect(await reversedText(page)).toEqual([])
      if (!bypassCSP) {
        expect(headers['content-security-policy']).toMatch(/script-src 'self';/)
        expect(headers['content-security-policy']).toMatch(/frame-ancestors 'none'/)
        expect(headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' })
        expect(page.url()).not.toMatch(/token/)
      }
      await ctx.close()
    }
    // A page of another origin that frames the dashboard gets Chromium's error page, not the dashboard.
    expect(await framedBy(browser, s)).toMatch(/^chrome-error:/)
  })
})
