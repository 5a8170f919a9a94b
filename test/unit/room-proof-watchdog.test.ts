/**
 * A room opened with the token is reopened only after its peer proves the key again (room-handle.ts):
 * also after y-websocket's own watchdog closes a socket that brought nothing for 30 s, the one close it
 * reports with no CloseEvent and reconnects after without asking shouldReconnect; and after the page's
 * own `provider.disconnect()`, when it calls `provider.connect()`, and when the mesh moves the room meanwhile.
 */
import { EventEmitter } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { WebSocketServer } from 'ws'
import { KeyProofs } from '../../src/browser/discovery/key-proofs.js'
import type { Mesh } from '../../src/browser/mesh.js'
import { openRoom } from '../../src/browser/room-handle.js'
import { peerProof } from '../../src/node/access-token.js'
import { usePageWebSocket } from '../helpers/page-websocket.js'

const TOKEN = 'ab'.repeat(32)
usePageWebSocket()

/** A peer's port: it proves the key while `holder.proves`, accepts every upgrade, and records the token's protocol. */
const port = async (holder: { proves: boolean; shown: number; proofAsks: number }): Promise<{ base: string; server: Server; wss: WebSocketServer }> => {
  let base = ''
  const server = createServer((req, res) => {
    const nonce = new URL(req.url ?? '/', 'http://x').searchParams.get('proof')
    holder.proofAsks++
    const proof = holder.proves && nonce ? { proof: peerProof(TOKEN, nonce, base) } : {}
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ ok: true, ...proof }))
  })
  const wss = new WebSocketServer({ noServer: true, handleProtocols: () => 'peer-plan' })
  server.on('upgrade', (req, socket, head) => {
    if (String(req.headers['sec-websocket-protocol']).includes(TOKEN)) holder.shown++
    wss.handleUpgrade(req, socket, head, (ws) => ws.on('error', () => {}))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { base, server, wss }
}

/** A mesh stand-in for openRoom: the token, its proofs, and `base` as the current peer. */
const meshAt = (base: string): Mesh =>
  ({ token: TOKEN, proofs: new KeyProofs(TOKEN), reach: Object.assign((u: string) => u, {}), currentUrl: base, peers: [], on() {}, off() {} }) as unknown as Mesh

const closeAll = async ({ server, wss }: { server: Server; wss: WebSocketServer }): Promise<void> => {
  for (const c of wss.clients) c.terminate()
  wss.close()
  await new Promise<void>((r) => server.close(() => r()))
}

/** A port that proves the key, and a room opened on it with the token; `close()` ends both. */
const roomOnPort = async () => {
  const holder = { proves: true, shown: 0, proofAsks: 0 }
  const served = await port(holder)
  const room = openRoom(meshAt(served.base), 'r', { presence: false })
  const close = async (): Promise<void> => {
    room.destroy()
    await closeAll(served)
  }
  return { holder, room, close }
}

describe('a room with the token after y-websocket\'s watchdog closed its socket', () => {
  it('is reopened only once the peer proved the key again, not by y-websocket on its own', async () => {
    const { holder, room, close } = await roomOnPort()
    try {
      await expect.poll(() => room.provider.wsconnected, { timeout: 5000 }).toBe(true)
      expect(holder.shown).toBe(1)
      // The port changes hands (what answers now cannot prove the key), and the socket stays silent:
      // the watchdog (checked every 3 s) closes it.
      holder.proves = false
      const asked = holder.proofAsks
      room.provider.wsLastMessageReceived = 0
      // Closed: then either the page asks for a proof again, or (the bug) y-websocket redials with the token.
      await expect.poll(() => holder.proofAsks > asked || holder.shown > 1, { timeout: 6000 }).toBe(true)
      await new Promise((r) => setTimeout(r, 1500))
      expect(holder.shown).toBe(1)
      expect(room.provider.wsconnected).toBe(false)
      // The key holder answers again: the page proves it and reopens the room with the token.
      holder.proves = true
      await expect.poll(() => room.provider.wsconnected && holder.shown === 2, { timeout: 8000 }).toBe(true)
    } finally {
      await close()
    }
  }, 20_000)
})

/**
 * Once `room` is open: the page disconnects, the port changes hands (what answers cannot prove the
 * key), and the page calls connect(). Returns how many proofs had been asked before that connect().
 */
const reconnectUnproven = async (room: ReturnType<typeof openRoom>, holder: { proves: boolean; proofAsks: number }): Promise<number> => {
  await expect.poll(() => room.provider.wsconnected, { timeout: 5000 }).toBe(true)
  room.provider.disconnect()
  expect(room.provider.wsconnected).toBe(false)
  holder.proves = false
  const asked = holder.proofAsks
  room.provider.connect()
  return asked
}

describe("a room with the token after the page's own disconnect()", () => {
  it('connect() proves the peer again before the token goes out', async () => {
    const { holder, room, close } = await roomOnPort()
    try {
      const asked = await reconnectUnproven(room, holder)
      // Either the page asks for a proof (and, with none, opens nothing), or (the bug) it redials with the token.
      await expect.poll(() => holder.proofAsks > asked || holder.shown > 1, { timeout: 5000 }).toBe(true)
      expect(holder.shown).toBe(1)
      // The key holder answers again: the page's retry proves it and opens the room with the token.
      holder.proves = true
      await expect.poll(() => room.provider.wsconnected && holder.shown === 2, { timeout: 8000 }).toBe(true)
    } finally {
      await close()
    }
  }, 20_000)

  it('a disconnect() while the peer is being proved again keeps the room closed', async () => {
    const { holder, room, close } = await roomOnPort()
    try {
      const asked = await reconnectUnproven(room, holder)
      await expect.poll(() => holder.proofAsks > asked, { timeout: 5000 }).toBe(true)
      room.provider.disconnect()
      holder.proves = true
      // Every retry asks for a proof; one more ask would be followed by an open if disconnect() were lost.
      const after = holder.proofAsks
      await new Promise((r) => setTimeout(r, 1500))
      expect(holder.proofAsks - after).toBeLessThanOrEqual(1)
      expect(room.provider.wsconnected).toBe(false)
      expect(holder.shown).toBe(1)
    } finally {
      await close()
    }
  }, 20_000)
})

describe("a room the page disconnected, when the mesh moves to another peer", () => {
  it('stays closed there until the page calls connect()', async () => {
    const [a, b] = [{ proves: true, shown: 0, proofAsks: 0 }, { proves: true, shown: 0, proofAsks: 0 }]
    const [A, B] = [await port(a), await port(b)]
    const events = new EventEmitter()
    const mesh = Object.assign(events, { ...meshAt(A.base), on: events.on.bind(events), off: events.off.bind(events), peers: [{ url: A.base }, { url: B.base }] }) as unknown as Mesh
    const room = openRoom(mesh, 'r', { presence: false })
    try {
      await expect.poll(() => room.provider.wsconnected, { timeout: 5000 }).toBe(true)
      room.provider.disconnect()
      ;(mesh as { currentUrl: string }).currentUrl = B.base
      events.emit('status', { status: 'connected' })
      expect(room.peer).toBe(B.base)
      // The old code rebuilt the provider connected: the room the page closed reopened on B.
      await new Promise((r) => setTimeout(r, 1000))
      expect(b.shown).toBe(0)
      room.provider.connect()
      await expect.poll(() => room.provider.wsconnected && b.shown === 1, { timeout: 8000 }).toBe(true)
    } finally {
      room.destroy()
      await Promise.all([closeAll(A), closeAll(B)])
    }
  }, 20_000)
})
