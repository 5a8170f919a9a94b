#!/usr/bin/env node
/**
 * What rooms cost at scale (issue 11): 32 real peers sharing one home, 64 rooms, each opened by stock
 * y-websocket clients on two random peers and written to; then every client leaves. Prints room links
 * (from each peer's /health), rooms held in memory, and disk per room, busy and idle.
 *
 *   node bench/room-costs.mjs [--peers 32] [--rooms 64]
 *
 * Ports 24860-24899 (the bench's block; run it only when no other bench runs: pgrep -f bench/).
 */
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { WebSocket } from 'ws'
import { makeHome, spawnPeer, stopAll, until } from './lib/peers.mjs'

const { values } = parseArgs({ options: { peers: { type: 'string', default: '32' }, rooms: { type: 'string', default: '64' } } })
const N = Number(values.peers)
const ROOMS = Number(values.rooms)
const ARGS = ['--ports', '24860-24899']
const say = (s) => process.stdout.write(`${s}\n`)

// Each y-websocket provider in Node adds a process 'exit' listener; 128 of them are expected here.
process.setMaxListeners(0)
const home = makeHome()
const peers = []
for (let i = 0; i < N; i += 8) peers.push(...(await Promise.all(Array.from({ length: Math.min(8, N - i) }, () => spawnPeer({ home, args: ARGS })))))
const health = (p) => fetch(`${p.url}/health`, { headers: { Authorization: `Bearer ${p.token}` }, signal: AbortSignal.timeout(5000) }).then((r) => r.json())
await until(async () => (await Promise.all(peers.map(health))).every((h) => h.peers === N), `${N} peers to converge`, 120000, 100)

const totals = async () => {
  const hs = await Promise.all(peers.map(health))
  const sum = (f) => hs.reduce((n, h) => n + f(h), 0)
  return { dirLinks: sum((h) => h.links.outbound), roomOut: sum((h) => h.roomLinks.outbound), roomIn: sum((h) => h.roomLinks.inbound), held: sum((h) => h.rooms.length), maxHeld: Math.max(...hs.map((h) => h.rooms.length)) }
}
const diskOf = (room) => {
  const dir = join(home, 'rooms', room)
  try {
    return readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0)
  } catch {
    return 0
  }
}

const clients = []
const open = (peer, room) => {
  const doc = new Y.Doc()
  const provider = new WebsocketProvider(peer.url.replace('http', 'ws'), room, doc, { WebSocketPolyfill: WebSocket, disableBc: true, params: { token: peer.token } })
  clients.push({ doc, provider })
  return doc
}
const before = await totals()
const t0 = performance.now()
for (let r = 0; r < ROOMS; r++) {
  const i = Math.floor(Math.random() * N)
  const j = (i + 1 + Math.floor(Math.random() * (N - 1))) % N
  open(peers[i], `room-${r}`).getText('content').insert(0, `room ${r}: ` + 'x'.repeat(1000))
  open(peers[j], `room-${r}`)
}
const agreed = () => clients.every((c, k) => c.doc.getText('content').length === clients[k - (k % 2)].doc.getText('content').length && c.provider.synced)
await until(agreed, 'every pair of clients to agree', 60000, 50).catch((err) => {
  const bad = clients.flatMap((c, k) => (c.doc.getText('content').length === clients[k - (k % 2)].doc.getText('content').length && c.provider.synced ? [] : [`${k}: len ${c.doc.getText('content').length} synced ${c.provider.synced} ws ${c.provider.wsconnected}`]))
  say(bad.slice(0, 10).join('\n'))
  return Promise.all(peers.map(health)).then((hs) => {
    for (const line of bad.slice(0, 3)) {
      const room = `room-${Math.floor(Number(line.split(':')[0]) / 2)}`
      say(`${room}: held on ${hs.flatMap((h, i) => (h.rooms.includes(room) ? [i] : [])).join(',')}; links out ${hs.map((h) => h.roomLinks.outbound).join(',')}`)
    }
    throw err
  })
})
const settled = performance.now() - t0
await new Promise((r) => setTimeout(r, 1500))
const busy = await totals()
// Edit count against disk: 2000 small edits to one room.
const d0 = clients[0].doc.getText('content')
const disk0 = diskOf('room-0')
for (let e = 0; e < 2000; e++) {
  d0.insert(d0.length, 'y')
  d0.delete(d0.length - 1, 1)
  if (e % 100 === 0) await new Promise((r) => setTimeout(r, 5))
}
await new Promise((r) => setTimeout(r, 1500))
const disk2000 = diskOf('room-0')
for (const c of clients) c.provider.destroy()
await until(async () => (await totals()).held === 0, 'every room to be released once its clients left', 30000, 100)
const idle = await totals()
const idleDisk = Array.from({ length: ROOMS }, (_, r) => diskOf(`room-${r}`))
const busyDiskNote = `room-0: ${disk0} B before 2000 edits, ${disk2000} B after`

say(`peers=${N} rooms=${ROOMS} (2 clients per room on 2 random peers, ~1 KB of text each); all in sync after ${settled.toFixed(0)} ms`)
say(`directory links (whole mesh): ${before.dirLinks} before rooms, ${busy.dirLinks} with rooms`)
say(`room links (whole mesh), clients connected: ${busy.roomOut} outbound = ${busy.roomIn} inbound; ${(busy.roomOut / ROOMS).toFixed(2)} per room`)
say(`rooms held in memory, clients connected: ${busy.held} in all (${(busy.held / ROOMS).toFixed(2)} peers per room), at most ${busy.maxHeld} on one peer`)
say(`idle (every client gone): room links ${idle.roomOut}, rooms held in memory ${idle.held}`)
say(`disk per idle room: min ${Math.min(...idleDisk)} B, max ${Math.max(...idleDisk)} B, mean ${(idleDisk.reduce((a, b) => a + b, 0) / ROOMS).toFixed(0)} B (doc ~1.05 KB; one snapshot per peer that held it)`)
say(`edits vs disk: ${busyDiskNote}`)
await stopAll(peers, 'SIGTERM')
process.exit(0)
