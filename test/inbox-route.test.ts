import { readFileSync } from 'node:fs'
import { createServer, request, type IncomingHttpHeaders } from 'node:http'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { LINK_HEADER, signLink } from '../src/node/link-auth.js'
import { Messenger } from '../src/node/messenger.js'
import type { PeerEntry } from '../src/shared/schema.js'
import { spawnPeer, tempHome } from './helpers/peers.js'
import { PORTS, range } from './helpers/ports.js'
import { testScope } from './helpers/scope.js'

let token = ''
const post = (url: string, body: string | Buffer, headers: Record<string, string> = {}) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(`${url}/inbox`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}`, ...headers } }, (res) => {
      let text = ''
      res.on('data', (d) => (text += d))
      res.on('end', () => resolve({ status: res.statusCode!, body: text }))
    })
    req.on('error', reject)
    req.end(body)
  })

describe('POST /inbox', () => {
  it('takes a well-formed message for this peer once, and refuses browsers, other peers, bad and big bodies', async () => {
    const home = await tempHome()
    const peer = await spawnPeer({ home, args: ['--ports', range(PORTS.inboxRoute)] })
    token = peer.token
    const msg = { v: 1, id: 'abcdef0123456789', to: peer.id, from: { id: 'bbbbbbbbbbbbbbbb', name: 'tester' }, text: 'hi', sentAt: Date.now() }
    expect(await post(peer.url, JSON.stringify(msg))).toEqual({ status: 200, body: JSON.stringify({ ok: true, seq: 1, duplicate: false }) })
    expect(JSON.parse((await post(peer.url, JSON.stringify(msg))).body)).toMatchObject({ seq: 1, duplicate: true })
    expect((await post(peer.url, JSON.stringify(msg), { Origin: `http://127.0.0.1:${peer.port}` })).status).toBe(403)
    // Only the mesh posts here: no token, or another mesh's, is refused.
    expect((await post(peer.url, JSON.stringify(msg), { Authorization: '' })).status).toBe(401)
    expect((await post(peer.url, JSON.stringify(msg), { Authorization: `Bearer ${'0'.repeat(64)}` })).status).toBe(401)
    expect((await post(peer.url, JSON.stringify({ ...msg, to: 'cccccccccccccccc' }))).status).toBe(404)
    expect((await post(peer.url, '{"v":1', {})).status).toBe(400)
    const missing = await post(peer.url, JSON.stringify({ ...msg, text: undefined }))
    expect(missing.status).toBe(400)
    expect(missing.body).toMatch(/text/)
    expect((await post(peer.url, JSON.stringify(msg), { 'Content-Type': 'text/plain' })).status).toBe(415)
    expect((await post(peer.url, Buffer.alloc(200 * 1024, 0x20))).status).toBe(413)
    // The largest valid message: 16 KiB of control characters, each six bytes once JSON-escaped.
    const widest = JSON.stringify({ ...msg, id: 'widest0123456789', text: '\u0001'.repeat(16 * 1024), from: { ...msg.from, name: '\u0002'.repeat(128) } })
    expect(widest.length).toBeGreaterThan(96 * 1024)
    expect((await post(peer.url, widest)).status).toBe(200)
    const get = await fetch(`${peer.url}/inbox`)
    expect(get.status).toBe(405)
    // The peer is unharmed.
    expect((await fetch(`${peer.url}/health`)).status).toBe(200)
  })

  it("takes a peer's link proof for its own URL instead of the token, and refuses one made for another URL", async () => {
    const home = await tempHome()
    const peer = await spawnPeer({ home, args: ['--ports', range(PORTS.inboxRoute)] })
    const key = Buffer.from(readFileSync(join(home, 'mesh.key'), 'utf8').trim(), 'hex')
    const msg = { v: 1, id: 'proof00123456789', to: peer.id, from: { id: 'bbbbbbbbbbbbbbbb', name: 'tester' }, text: 'hi', sentAt: Date.now() }
    const proof = (url: string) => ({ Authorization: '', [LINK_HEADER]: signLink(key, 'bbbbbbbbbbbbbbbb', peer.id, url).header })
    expect((await post(peer.url, JSON.stringify(msg), proof(peer.url))).status).toBe(200)
    // What a process that took a dead peer's port was sent: a proof for that port's URL.
    expect((await post(peer.url, JSON.stringify({ ...msg, id: 'proof10123456789' }), proof(`http://127.0.0.1:${PORTS.inboxRoute[1]}`))).status).toBe(401)
  })

  it('the messenger sends a proof for the URL it posts to, never the access token', async () => {
    const seen: IncomingHttpHeaders[] = []
    const standIn = createServer((req, res) => {
      seen.push(req.headers)
      req.resume()
      req.on('end', () => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true,"seq":1,"duplicate":false}'))
    })
    const port = PORTS.inboxRoute[1]
    await new Promise<void>((r) => standIn.listen(port, '127.0.0.1', r))
    const messenger = new Messenger()
    testScope().defer(() => (messenger.close(), standIn.close()))
    const target = { id: 'cccccccccccccccc', url: `http://127.0.0.1:${port}` } as PeerEntry
    const key = Buffer.alloc(32, 9)
    await messenger.deliver(target, { v: 1, id: 'm0', to: target.id, from: { id: 'bbbbbbbbbbbbbbbb', name: 'x' }, text: 'hi', sentAt: 0 } as never, (t) => ({ [LINK_HEADER]: signLink(key, 'bbbbbbbbbbbbbbbb', t.id, t.url).header }))
    expect(seen[0]!.authorization).toBeUndefined()
    expect(seen[0]![LINK_HEADER]).toMatch(new RegExp(`^v2 bbbbbbbbbbbbbbbb cccccccccccccccc http://127\\.0\\.0\\.1:${port} `))
  })
})
