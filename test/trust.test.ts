/**
 * The red-team findings of issue #10, each as an attack against real peers, asserting its outcome.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { fetchHealth } from '../src/shared/health-client.js'
import { encodeUpdate } from '../src/shared/wire.js'
import { PROBE_TIMEOUT_MS, SLOW_STRIKES } from '../src/node/prober.js'
import { directoryClient } from './helpers/directory-client.js'
import { PORTS, range } from './helpers/ports.js'
import { allSee, getJson, registryIds, spawnPeer, tempHome, tokenProtocols, waitFor, type PeerProc } from './helpers/peers.js'
import { roomClient } from './helpers/rooms.js'
import { suiteScope } from './helpers/scope.js'

const args = ['--ports', range(PORTS.trust)]

/** Every room name a JSON value mentions, of those given. */
const named = (value: unknown, names: string[]) => names.filter((n) => JSON.stringify(value).includes(n))

const bearer = (p: PeerProc) => ({ Authorization: `Bearer ${p.token}` })

/** A stock provider of `room` on `peer` with the token, filled with `chunks` texts of 900 KiB, each sent before the next. */
const fill = async (peer: PeerProc, room: string, chunks: number, scope: ReturnType<typeof suiteScope>) => {
  const doc = new Y.Doc()
  const provider = new WebsocketProvider(peer.url.replace('http', 'ws'), room, doc, { WebSocketPolyfill: WebSocket as never, disableBc: true, params: { token: peer.token } })
  scope.defer(() => provider.destroy())
  await waitFor(() => provider.synced, 'the writer to sync')
  let closedWith = 0
  ;(provider.ws as unknown as WebSocket).on('close', (code: number) => (closedWith = code))
  const chunk = 'x'.repeat(900 * 1024)
  for (let i = 0; i < chunks && closedWith === 0; i++) {
    doc.getText('t').insert(0, chunk)
    await waitFor(() => closedWith !== 0 || (provider.ws?.bufferedAmount ?? 0) === 0, 'the chunk to leave')
  }
  return { provider, closedWith: () => closedWith }
}

const entries = async (p: PeerProc) => (await getJson<{ peers: { id: string; url: string }[] }>(`${p.url}/registry`)).peers

describe('only the mesh writes the mesh', () => {
  const scope = suiteScope()
  let home: string
  let a: PeerProc
  let b: PeerProc
  let key: Buffer

  it('starts a pair', async () => {
    home = tempHome(scope)
    ;[a, b] = await Promise.all([spawnPeer({ home, scope, args }), spawnPeer({ home, scope, args })])
    await waitFor(() => allSee([a, b], [a.id, b.id]), 'the pair')
    key = Buffer.from(readFileSync(join(home, 'mesh.key'), 'utf8').trim(), 'hex')
  })

  it('a stranger reads the directory, and nothing else', async () => {
    expect((await registryIds(a)).sort()).toEqual([a.id, b.id].sort())
    const health = await getJson(`${a.url}/health`)
    expect(health.ok).toBe(true)
    expect(health.rooms).toBeUndefined()
    expect((await getJson(`${a.url}/health`, { Authorization: `Bearer ${a.token}` })).rooms).toEqual([])
    const room = new WebSocket(`${a.url.replace('http', 'ws')}/plans`)
    room.on('error', () => {})
    const status = await new Promise<number>((r) => room.once('unexpected-response', (_q, res) => r(res.statusCode!)))
    expect(status).toBe(401)
    const wrongToken = new WebSocket(`${a.url.replace('http', 'ws')}/plans`, ['peer-plan', `peer-plan.token.${'0'.repeat(64)}`])
    wrongToken.on('error', () => {})
    expect(await new Promise<number>((r) => wrongToken.once('unexpected-response', (_q, res) => r(res.statusCode!)))).toBe(401)
  })

  it('a stranger sees no room names in /health, /registry or the directory; a token holder does', async () => {
    const secret = roomClient(a, 'secret-plan', scope)
    secret.append('for people only;')
    // A's agent side publishes the room in A's entry, open now and, once written, kept on disk.
    const listed = async () => (await entries(a)).length > 0 && (await getJson(`${b.url}/registry`, bearer(b))).peers.some((p: { rooms?: string[]; storedRooms?: string[] }) => p.rooms?.includes('secret-plan') && p.storedRooms?.includes('secret-plan'))
    await waitFor(listed, "a's entry to list the room, open and on disk")
    const stranger = await directoryClient(a.url)
    const names = ['secret-plan']
    for (const p of [a, b]) {
      expect(named(await getJson(`${p.url}/health`), names)).toEqual([])
      const registry = await getJson(`${p.url}/registry`)
      expect(registry.peers.map((e: { id: string }) => e.id).sort()).toEqual([a.id, b.id].sort())
      expect(named(registry, names)).toEqual([])
      expect(registry.peers.some((e: object) => 'rooms' in e || 'storedRooms' in e)).toBe(false)
    }
    expect([...stranger.doc.getMap('peers').keys()].sort()).toEqual([a.id, b.id].sort())
    expect(named(stranger.doc.getMap('peers').toJSON(), names)).toEqual([])
    // People get the room names, from each of the three.
    const health = await getJson(`${a.url}/health`, bearer(a))
    expect(health.rooms).toContain('secret-plan')
    expect(health.storedRooms).toContain('secret-plan')
    expect(named(await getJson(`${b.url}/registry`, bearer(b)), names)).toEqual(names)
    const person = await directoryClient(a.url, { token: a.token })
    expect(named(person.doc.getMap('peers').toJSON(), names)).toEqual(names)
    // A room opened while both read live reaches the person; the stranger's copy still names none.
    const later = roomClient(a, 'later-room', scope)
    later.append('x')
    await waitFor(() => named(person.doc.getMap('peers').toJSON(), ['later-room']).length === 1, 'the person to see the new room')
    const late = await directoryClient(a.url)
    for (const doc of [stranger.doc, late.doc]) expect(named(doc.getMap('peers').toJSON(), ['secret-plan', 'later-room'])).toEqual([])
    // The stranger's read-only copy still drops what it writes.
    stranger.doc.getMap('peers').set(b.id, 'hijacked')
    await stranger.flushed()
    expect((await getJson(`${a.url}/registry`)).peers.map((e: { id: string }) => e.id).sort()).toEqual([a.id, b.id].sort())
    secret.destroy()
    later.destroy()
  })

  it('a stranger overwriting a live peer or rewriting its url changes nothing', async () => {
    const attacker = await directoryClient(a.url)
    const map = attacker.doc.getMap('peers')
    const original = map.get(b.id) as { url: string }
    attacker.doc.transact(() => {
      map.set(b.id, 'hijacked')
      map.set(a.id, { ...(map.get(a.id) as object), url: 'http://127.0.0.1:9' })
      map.set('fake0001', { ...original, id: 'fake0001', url: 'http://127.0.0.1:9' })
    })
    await attacker.flushed()
    // A second reader syncs after the attack's frames were taken: what it reads is what the peer holds.
    const witness = await directoryClient(a.url)
    expect(witness.doc.getMap('peers').get(b.id)).toEqual(original)
    expect((await entries(a)).map((p) => `${p.id} ${p.url}`).sort()).toEqual([`${a.id} ${a.url}`, `${b.id} ${b.url}`].sort())
    expect(await registryIds(b)).toEqual([a.id, b.id].sort())
  })

  it('a peer with the key that writes bad entries sees them removed, and a rewritten peer heals itself', async () => {
    const insider = await directoryClient(a.url, { key, selfId: 'insider1', targetId: a.id })
    const map = insider.doc.getMap('peers')
    const bEntry = map.get(b.id) as Record<string, unknown>
    insider.doc.transact(() => {
      map.set(b.id, { ...bEntry, url: 'http://127.0.0.1:9' })
      map.set('offlan01', { ...bEntry, id: 'offlan01', url: 'http://10.9.8.7:1234' })
      map.set('garbage1', 'not an entry')
    })
    await insider.flushed()
    await waitFor(async () => (await entries(a)).find((p) => p.id === b.id)?.url === b.url && (await entries(b)).find((p) => p.id === b.id)?.url === b.url, 'b to heal its url everywhere')
    await waitFor(async () => /removing "offlan01": url http:\/\/10\.9\.8\.7:1234 is outside loopback scope/.test(a.stderr()), 'a to remove the off-loopback entry')
    for (const p of [a, b]) expect(await registryIds(p)).toEqual([a.id, b.id].sort())
    expect(b.stderr()).toMatch(/directory entry was changed while it lives; putting it back/)
  })

  it("a key holder's entries naming off-loopback origins do not widen the Origin allowlist", async () => {
    const insider = await directoryClient(a.url, { key, selfId: 'insider3', targetId: a.id })
    const map = insider.doc.getMap('peers')
    const template = map.get(b.id) as Record<string, unknown>
    const far = ['http://10.9.8.7:1234', `http://192.168.77.1:${PORTS.trust[0]}`]
    insider.doc.transact(() => {
      map.set('farorig1', { ...template, id: 'farorig1', url: far[0], host: '10.9.8.7', port: 1234 })
      // A loopback url, but an overflow url (an origin the allowlist takes too) off loopback.
      map.set('farorig2', { ...template, id: 'farorig2', url: 'http://127.0.0.1:9', port: 9, overflowUrl: far[1] })
    })
    await insider.flushed()
    const status = (origin: string) => fetch(`${a.url}/registry`, { headers: { Origin: origin } }).then((r) => r.status)
    const upgrade = (origin: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`${a.url.replace('http', 'ws')}/_directory`, { headers: { Origin: origin } })
        ws.on('error', () => {})
        ws.once('open', () => (ws.terminate(), resolve(101)))
        ws.once('unexpected-response', (_q, res) => resolve(res.statusCode!))
      })
    for (const origin of far) {
      expect(await status(origin), origin).toBe(403)
      expect(await upgrade(origin), origin).toBe(403)
    }
    // A mesh origin still gets in, and the far entries are gone from the directory.
    expect(await status(`http://127.0.0.1:${b.port}`)).toBe(200)
    await waitFor(() => /removing "farorig1"/.test(a.stderr()) && /removing "farorig2"/.test(a.stderr()), 'a to remove both entries')
    for (const p of [a, b]) expect(await registryIds(p)).toEqual([a.id, b.id].sort())
  })

  it('a key holder growing the directory past its cap is closed, and new peers can still join', async () => {
    const insider = await directoryClient(a.url, { key, selfId: 'insider2', targetId: a.id })
    const map = insider.doc.getMap('peers')
    const template = map.get(a.id) as Record<string, unknown>
    // Valid, loopback entries as large as the schema allows (256 room names of 120 characters each):
    // about 31 KiB apiece, so 24 of them pass the directory's 512 KiB.
    const rooms = Array.from({ length: 256 }, (_, i) => `r${String(i).padStart(3, '0')}${'x'.repeat(116)}`)
    // In one update: written one at a time, the peer's own eviction of these entries (each names a's url,
    // so its /health answers with another id) raced the growth, and the directory did not always reach its cap.
    insider.doc.transact(() => {
      for (let i = 0; i < 24; i++) map.set(`bloat${String(i).padStart(3, '0')}`, { ...template, id: `bloat${String(i).padStart(3, '0')}`, rooms })
    })
    await insider.flushed()
    expect(await insider.closed).toBe(1009)
    expect(a.stderr()).toMatch(/room _directory: closing a connection \(1009\): directory is full/)
    expect((await getJson(`${a.url}/health`)).ok).toBe(true)
    // What did get in stays small enough for one sync message: a new peer still joins the mesh.
    const c = await spawnPeer({ home, scope, args })
    // It takes tens of ms here. Once in a full CI run it did not happen within 10 s, and that run kept no
    // logs: 30 s, and the two peers' logs with the failure if it happens again.
    await waitFor(async () => (await registryIds(c)).includes(a.id) && (await registryIds(a)).includes(c.id), 'a new peer to join', 30_000).catch((err: Error) => {
      throw new Error(`${err.message}\n--- the new peer's log:\n${c.stderr().slice(-4000)}\n--- a's log:\n${a.stderr().slice(-4000)}`)
    })
  })

  it('a wrong mesh key is refused at the door', async () => {
    const err = await directoryClient(a.url, { key: Buffer.alloc(32, 7), selfId: 'intruder', targetId: a.id }).catch((e: Error) => e)
    expect((err as Error).message).toBe('answered 401')
  })

  it("a peer's link proof made for another URL is refused: a relay cannot pass one on", async () => {
    // What a process without the key holds when a peer dialled it as `a` (an mDNS hint naming a's id
    // at its own port): a proof for its URL. Before v2 a proof named the id only, and `a` took it.
    const relayUrl = `http://127.0.0.1:${PORTS.trust[1]}`
    const err = await directoryClient(a.url, { key, selfId: 'dialler9', targetId: a.id, signedFor: relayUrl }).catch((e: Error) => e)
    expect((err as Error).message).toBe('answered 401')
    // The same key, the same ids, a fresh nonce: only the URL differs, and with a's own it is taken.
    const direct = await directoryClient(a.url, { key, selfId: 'dialler9', targetId: a.id })
    direct.ws.terminate()
  })

  it("a peer's link proof for its port on another loopback address is refused: a relay there cannot pass one on", async () => {
    // a's Host check takes [::1] and localhost for its port too; a relay on [::1]:P (a on 127.0.0.1:P)
    // that a peer dialled would hold a proof for http://[::1]:P. It must name the socket's own address.
    const relayUrl = `http://[::1]:${new URL(a.url).port}`
    const err = await directoryClient(a.url, { key, selfId: 'dialler8', targetId: a.id, signedFor: relayUrl }).catch((e: Error) => e)
    expect((err as Error).message).toBe('answered 401')
  })

  it('a room past its cap closes its writer and the peer keeps answering', async () => {
    // 40 chunks of 900 KiB: past the 32 MiB a room may hold.
    const writer = await fill(a, 'big-room', 40, scope)
    await waitFor(() => writer.closedWith() !== 0, 'the writer to be closed')
    expect(writer.closedWith()).toBe(1009)
    writer.provider.disconnect()
    expect((await getJson(`${a.url}/health`)).ok).toBe(true)
    expect(a.stderr()).toMatch(/room big-room: closing a connection \(1009\): room is full/)
  })

  it('pending updates with a clock gap past their cap close the writer, and the peer keeps answering', async () => {
    const ws = new WebSocket(`${a.url.replace('http', 'ws')}/gapped`, tokenProtocols(a))
    scope.defer(() => ws.terminate())
    await new Promise((r) => ws.once('open', r))
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)))
    const doc = new Y.Doc()
    const updates: Uint8Array[] = []
    doc.on('update', (u: Uint8Array) => updates.push(u))
    doc.getText('t').insert(0, 'the first struct, never sent')
    // Three updates of 400 KiB that all hang on the first: 1.2 MiB of pending structs, past the 1 MiB cap.
    for (let i = 0; i < 3; i++) doc.getText('t').insert(0, String(i).repeat(400 * 1024))
    for (const u of updates.slice(1)) ws.send(encodeUpdate(u))
    expect(await closed).toBe(1008)
    expect(a.stderr()).toMatch(/room gapped: closing a connection \(1008\): updates that can never apply/)
    expect((await getJson(`${a.url}/health`)).ok).toBe(true)
    // The pending structs were dropped: a new reader of the room syncs an empty doc.
    const reader = roomClient(a, 'gapped', scope)
    await waitFor(() => reader.provider.synced, 'a reader to sync')
    expect(reader.doc.getText('t').length).toBe(0)
    reader.destroy()
  })

  it('a flood of sync step 1 requests on a room of tens of MB is cut off, and the peer is never evicted', async () => {
    // 27 chunks of 900 KiB: 24 MiB, within the room's 32 MiB, so every step 1 asks for an encoding of all of it.
    const writer = await fill(a, 'flooded', 27, scope)
    expect(writer.closedWith()).toBe(0)
    writer.provider.disconnect()
    const flooders = Array.from({ length: 4 }, () => new WebSocket(`${a.url.replace('http', 'ws')}/flooded`, tokenProtocols(a)))
    const closed = flooders.map((ws) => {
      scope.defer(() => ws.terminate())
      return new Promise<number>((r) => ws.once('close', (code) => r(code)))
    })
    await Promise.all(flooders.map((ws) => new Promise((r) => ws.once('open', r))))
    // messageSync, syncStep1, an empty state vector: without a bound, each is answered with the whole doc.
    for (const ws of flooders) for (let i = 0; i < 100; i++) ws.send(Buffer.from([0, 0, 1, 0]))
    // Through a whole slow-strike window (two missed pongs cut a link, then SLOW_STRIKES slow probes
    // evict), A answers /health within a probe's timeout and B keeps listing it.
    const until = Date.now() + 2 * 1000 + (SLOW_STRIKES + 1) * PROBE_TIMEOUT_MS
    let rounds = 0
    while (Date.now() < until || rounds < 3) {
      expect((await fetchHealth(a.url, { timeoutMs: PROBE_TIMEOUT_MS })).id).toBe(a.id)
      expect(await registryIds(b)).toContain(a.id)
      rounds++
    }
    // Each flooder was cut off: for asking too often (1008), or, not reading fast enough, terminated (1006).
    for (const code of await Promise.all(closed)) expect([1006, 1008]).toContain(code)
    expect(a.stderr()).toMatch(/room flooded: closing a connection \(1008\): too many sync requests|closing a connection that stopped reading/)
  })
})
