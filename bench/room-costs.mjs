#!/usr/bin/env node
/**
 * pnpm bench:rooms: what rooms cost at scale (issue 11). 32 real peers sharing one home, 64 rooms, each
 * opened by stock y-websocket clients on two random peers and written to; then every client leaves.
 * Reads each peer's /health (with the token): room links, rooms held in memory, retries and room
 * timers, busy and idle; disk per room from the home; 2000 edits to one room against its disk.
 *
 *   node bench/room-costs.mjs [--peers 32] [--rooms 64] [--out FILE]
 *
 * A full run (32 x 64) writes bench/results/room-costs.json (the committed reference, quoted by
 * docs/architecture.md); any other size writes a scratch file (printed) unless --out names one.
 * Ports 24860-24899 (the bench's block; run it only when no other bench runs: pgrep -f bench/).
 */
import { readdirSync, statSync, writeFileSync } from 'node:fs'
import { cpus, platform, release, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { WebSocket } from 'ws'
import { dropExtraCaCerts, extraCaCertsNote } from './lib/environment.mjs'
import { makeHome, rssMiB, spawnPeer, stopAll, until } from './lib/peers.mjs'

// Before anything is started, as in pnpm bench: peers start as an agent's would (lib/environment.mjs).
const extraCaCerts = dropExtraCaCerts()
const { values } = parseArgs({ options: { peers: { type: 'string', default: '32' }, rooms: { type: 'string', default: '64' }, out: { type: 'string' } } })
const N = Number(values.peers)
const ROOMS = Number(values.rooms)
const full = N === 32 && ROOMS === 64
const OUT = resolve(values.out ?? (full ? fileURLToPath(new URL('./results/room-costs.json', import.meta.url)) : join(tmpdir(), `peer-plan-room-costs-${N}x${ROOMS}.json`)))
const ARGS = ['--ports', '24860-24899']
const say = (s) => process.stdout.write(`${s}\n`)
const progress = (s) => process.stderr.write(`[bench:rooms ${((performance.now() - t0) / 1000).toFixed(1)}s] ${s}\n`)
const t0 = performance.now()

// Each y-websocket provider in Node adds a process 'exit' listener; 128 of them are expected here.
process.setMaxListeners(0)
const home = makeHome()
const peers = []
for (let i = 0; i < N; i += 8) peers.push(...(await Promise.all(Array.from({ length: Math.min(8, N - i) }, () => spawnPeer({ home, args: ARGS })))))
const health = (p) => fetch(`${p.url}/health`, { headers: { Authorization: `Bearer ${p.token}` }, signal: AbortSignal.timeout(5000) }).then((r) => r.json())
await until(async () => (await Promise.all(peers.map(health))).every((h) => h.peers === N), `${N} peers to converge`, 120000, 100)
progress(`${N} peers up`)

const round1 = (x) => Math.round(x * 10) / 10
const round2 = (x) => Math.round(x * 100) / 100
const totals = async () => {
  const hs = await Promise.all(peers.map(health))
  const sum = (f) => hs.reduce((n, h) => n + f(h), 0)
  return {
    directory_links: sum((h) => h.links.outbound),
    room_links: sum((h) => h.roomLinks.outbound),
    room_links_inbound: sum((h) => h.roomLinks.inbound),
    room_links_connecting: sum((h) => h.roomLinks.connecting),
    room_link_retries: sum((h) => h.roomLinks.retrying),
    room_timers: sum((h) => h.roomTimers),
    rooms_held: sum((h) => h.rooms.length),
    max_rooms_held_on_one_peer: Math.max(...hs.map((h) => h.rooms.length)),
    rss_mib_per_peer: round1(peers.reduce((n, p) => n + rssMiB(p.pid), 0) / N)
  }
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
const tOpen = performance.now()
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
const settled = performance.now() - tOpen
progress(`all ${clients.length} clients in sync after ${settled.toFixed(0)} ms`)
// Busy is read once every room link is up: a link still connecting on a loaded machine is counted by its home only.
const linksUp = await until(async () => {
  const t = await totals()
  return t.room_links_connecting === 0 && t.room_link_retries === 0
}, 'every room link to be up', 20000, 200).then(() => Math.round(performance.now() - tOpen), () => null)
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
const tLeave = performance.now()
for (const c of clients) c.provider.destroy()
const zero = (t) => t.rooms_held === 0 && t.room_links === 0 && t.room_links_inbound === 0 && t.room_links_connecting === 0 && t.room_link_retries === 0 && t.room_timers === 0
await until(async () => zero(await totals()), 'every room, room link and room timer to be gone once the clients left', 30000, 100)
const idleAfter = performance.now() - tLeave
await new Promise((r) => setTimeout(r, 1500))
const idle = await totals()
const idleDisk = Array.from({ length: ROOMS }, (_, r) => diskOf(`room-${r}`))
const snapsPerRoom = Array.from({ length: ROOMS }, (_, r) => readdirSync(join(home, 'rooms', `room-${r}`)).filter((f) => f.endsWith('.snap')).length)

const result = {
  peers: N,
  rooms: ROOMS,
  clients_per_room: 2,
  text_chars_per_room: 1000,
  sync_ms: Math.round(settled),
  /** From the first client opening until no room link was connecting or waiting to retry; null: not within 20 s. */
  links_up_ms: linksUp,
  directory_links_before_rooms: before.directory_links,
  busy: { ...busy, room_links_per_room: round2(busy.room_links / ROOMS), peers_holding_each_room: round2(busy.rooms_held / ROOMS) },
  idle: {
    ...idle,
    reached_zero_ms: Math.round(idleAfter),
    disk_bytes_per_room: { min: Math.min(...idleDisk), max: Math.max(...idleDisk), mean: Math.round(idleDisk.reduce((a, b) => a + b, 0) / ROOMS) },
    snapshots_per_room: { min: Math.min(...snapsPerRoom), max: Math.max(...snapsPerRoom) }
  },
  edits: { count: 2000, room: 'room-0', disk_bytes_before: disk0, disk_bytes_after: disk2000 },
  machine: { cpus: cpus().length, cpu_model: cpus()[0]?.model ?? 'unknown', os: `${platform()} ${release()}`, node: process.version, node_extra_ca_certs: extraCaCertsNote(extraCaCerts) },
  at: new Date().toISOString(),
  duration_s: Math.round((performance.now() - t0) / 100) / 10
}
writeFileSync(OUT, JSON.stringify(result, null, 2) + '\n')

say(`peers=${N} rooms=${ROOMS} (2 clients per room on 2 random peers, ~1 KB of text each); all in sync after ${result.sync_ms} ms`)
say(`directory links (whole mesh): ${before.directory_links} before rooms, ${busy.directory_links} with rooms`)
say(`room links (whole mesh), clients connected: ${busy.room_links} outbound = ${busy.room_links_inbound} inbound; ${result.busy.room_links_per_room} per room`)
say(`rooms held in memory, clients connected: ${busy.rooms_held} in all (${result.busy.peers_holding_each_room} peers per room), at most ${busy.max_rooms_held_on_one_peer} on one peer; RSS ${busy.rss_mib_per_peer} MiB/peer`)
say(`idle (every client gone, zero after ${result.idle.reached_zero_ms} ms): room links ${idle.room_links}, connecting ${idle.room_links_connecting}, retries ${idle.room_link_retries}, room timers ${idle.room_timers}, rooms held ${idle.rooms_held}; RSS ${idle.rss_mib_per_peer} MiB/peer`)
say(`disk per idle room: min ${result.idle.disk_bytes_per_room.min} B, max ${result.idle.disk_bytes_per_room.max} B, mean ${result.idle.disk_bytes_per_room.mean} B in ${result.idle.snapshots_per_room.min}-${result.idle.snapshots_per_room.max} snapshots (one per peer that held it; its log is left empty)`)
say(`edits vs disk: room-0 ${disk0} B before 2000 edits, ${disk2000} B after`)
progress(`wrote ${OUT}`)
await stopAll(peers, 'SIGTERM')
process.exit(0)
