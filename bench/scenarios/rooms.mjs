/**
 * Rooms across the mesh (issue 11), timed with stock y-websocket clients (no browser) against real peers:
 *
 *   room-propagate  an edit by a client of peer A until a client of peer B has it (4 peers, one home;
 *                   A and B are each linked to the room's two homes, so the edit takes one or two hops)
 *   room-recover    SIGKILL of every peer (3, one home), then one restart: the spawn until a client of the
 *                   restarted peer holds the room's content, read back from disk
 *
 * Ports: ctx.ports.rooms (the bench's block is 24000-24999).
 */
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { WebSocket } from 'ws'
import { makeHome, spawnPeer, stopAll, until } from '../lib/peers.mjs'

const client = (peer, room) => {
  const doc = new Y.Doc()
  const provider = new WebsocketProvider(peer.url.replace('http', 'ws'), room, doc, { WebSocketPolyfill: WebSocket, disableBc: true, params: { token: peer.token } })
  return { doc, provider, text: doc.getText('content'), close: () => (provider.destroy(), doc.destroy()) }
}

const meshOf = async (ARGS, home, n) => {
  const peers = []
  for (let i = 0; i < n; i++) peers.push(await spawnPeer({ home, args: ARGS }))
  await until(async () => (await Promise.all(peers.map((p) => fetch(`${p.url}/health`).then((r) => r.json())))).every((h) => h.peers === n), `${n} peers to converge`)
  return peers
}

const propagate = async (ARGS, runs) => {
  const peers = await meshOf(ARGS, makeHome(), 4)
  const a = client(peers[0], 'bench-propagate')
  const b = client(peers[1], 'bench-propagate')
  try {
    await until(() => a.provider.synced && b.provider.synced, 'both clients to sync')
    const seen = new Map()
    b.doc.on('update', () => {
      const t = performance.now()
      const s = b.text.toString()
      for (const m of s.matchAll(/<(\d+)>/g)) if (!seen.has(m[1])) seen.set(m[1], t)
    })
    const xs = []
    // Two warm-up edits: the room links to the homes are dialled on the first.
    for (let i = -2; i < runs; i++) {
      const t0 = performance.now()
      a.text.insert(a.text.length, `<${i + 2}>`)
      await until(() => seen.has(String(i + 2)), 'the edit to reach peer B', 10000, 1)
      if (i >= 0) xs.push(seen.get(String(i + 2)) - t0)
      await new Promise((r) => setTimeout(r, 20))
    }
    return xs
  } finally {
    a.close()
    b.close()
    await stopAll(peers, 'SIGKILL')
  }
}

const recover = async (ARGS, runs) => {
  const xs = []
  for (let i = 0; i < runs; i++) {
    const home = makeHome()
    const peers = await meshOf(ARGS, home, 3)
    const w = client(peers[2], 'bench-recover')
    const content = `plan ${i}: ` + 'x'.repeat(2000)
    w.text.insert(0, content)
    await until(async () => (await Promise.all(peers.map((p) => fetch(`${p.url}/health`, { headers: { Authorization: `Bearer ${p.token}` } }).then((r) => r.json())))).filter((h) => h.rooms?.includes('bench-recover')).length >= 2, 'two peers to hold the room')
    // Group commit: one fdatasync after the edit; give it its turn before the kill.
    await new Promise((r) => setTimeout(r, 100))
    w.close()
    await stopAll(peers, 'SIGKILL')
    const t0 = performance.now()
    const again = await spawnPeer({ home, args: ARGS })
    const r = client(again, 'bench-recover')
    const t = await until(() => r.text.toString() === content, 'the restarted peer to serve the room from disk', 20000, 1)
    xs.push(t - t0)
    r.close()
    await stopAll([again], 'SIGKILL')
  }
  return xs
}

export const runRoomScenarios = async ({ wants, record, runs, progress, ports: P }) => {
  const ARGS = ['--ports', `${P.rooms[0]}-${P.rooms[1]}`]
  if (wants('room-propagate')) {
    progress('room-propagate: an edit through peer A until a client of peer B has it')
    record('room-propagate', await propagate(ARGS, Math.max(runs, 20)))
  }
  if (wants('room-recover')) {
    progress('room-recover: SIGKILL every peer, restart one, until a client sees the room')
    record('room-recover', await recover(ARGS, runs))
  }
}
