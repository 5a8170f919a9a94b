/**
 * Rooms belong to the mesh (issue 11): one doc per room name whichever peer a client opens it on, kept
 * on disk under the home so it outlives every peer, with files that peers sharing a home never corrupt.
 * Real peer processes, stock y-websocket clients.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { decodeFrames, framesReport } from '../src/node/room-log.js'
import { PORTS, range } from './helpers/ports.js'
import { getJson, spawnPeer, tempHome, waitFor } from './helpers/peers.js'
import { meshOf, roomClient } from './helpers/rooms.js'

const R = range(PORTS.rooms)

describe('one doc per room across the mesh', () => {
  it('the same room on two peers converges both ways', async () => {
    const [a, b] = await meshOf(tempHome(), 2, R)
    const ca = roomClient(a!, 'plan')
    const cb = roomClient(b!, 'plan')
    ca.append('hello-from-a;')
    await waitFor(() => cb.text().includes('hello-from-a;'), 'an edit through A to reach a client of B')
    cb.append('hello-from-b;')
    await waitFor(() => ca.text().includes('hello-from-b;'), 'an edit through B to reach a client of A')
    expect(ca.text()).toBe(cb.text())
  })

  it('the same room on three peers converges both ways, and a late joiner gets it all', async () => {
    const peers = await meshOf(tempHome(), 3, R)
    const clients = peers.map((p) => roomClient(p, 'three'))
    clients.forEach((c, i) => c.append(`from-${i};`))
    const all = (t: string) => [0, 1, 2].every((i) => t.includes(`from-${i};`))
    await waitFor(() => clients.every((c) => all(c.text())), 'every client to hold every edit')
    expect(new Set(clients.map((c) => c.text())).size).toBe(1)
    const late = roomClient(peers[1]!, 'three')
    await waitFor(() => all(late.text()), 'a late joiner on another peer to get the whole doc')
    const health = await getJson<{ roomLinks: { outbound: number; inbound: number } }>(`${peers[0]!.url}/health`, { Authorization: `Bearer ${peers[0]!.token}` })
    expect(health.roomLinks.outbound + health.roomLinks.inbound).toBeGreaterThan(0)
  })
})

describe('rooms on disk', () => {
  it('all peers killed and one restarted: the content is back from disk', async () => {
    const home = tempHome()
    const peers = await meshOf(home, 3, R)
    const c = roomClient(peers[2]!, 'durable')
    c.append('survives every peer;')
    await waitFor(async () => {
      const texts = await Promise.all(peers.map((p) => getJson<{ rooms?: string[] }>(`${p.url}/health`, { Authorization: `Bearer ${p.token}` })))
      return texts.filter((h) => h.rooms?.includes('durable')).length >= 2
    }, 'at least two peers to hold the room')
    // Written and fsync'd in a group right after each update: wait for some peer's file to hold it.
    const onDisk = () => readdirSync(join(home, 'rooms', 'durable')).some((f) => f.endsWith('.log') && readFileSync(join(home, 'rooms', 'durable', f)).includes('survives every peer;'))
    await waitFor(onDisk, 'the edit to be on disk')
    c.destroy()
    await Promise.all(peers.map((p) => p.stop('SIGKILL')))
    const again = await spawnPeer({ home, args: ['--ports', R] })
    const back = roomClient(again, 'durable')
    await waitFor(() => back.text() === 'survives every peer;', 'the restarted peer to serve the room from disk')
  })

  it('two peers of one home writing one room at once, then SIGKILLed, leave files that load cleanly', async () => {
    const home = tempHome()
    const [a, b] = await meshOf(home, 2, R)
    const ca = roomClient(a!, 'contended')
    const cb = roomClient(b!, 'contended')
    await waitFor(() => ca.provider.synced && cb.provider.synced, 'both clients to sync')
    for (let i = 0; i < 200; i++) {
      ca.append(`a${i};`)
      cb.append(`b${i};`)
      if (i % 20 === 0) await new Promise((r) => setImmediate(r))
    }
    await waitFor(() => ca.text().includes('b199;') && cb.text().includes('a199;'), 'both sides to see all edits')
    const dir = join(home, 'rooms', 'contended')
    const held = () => Buffer.concat(readdirSync(dir).filter((f) => !f.startsWith('.')).map((f) => readFileSync(join(dir, f))))
    await waitFor(() => held().includes('a199;') && held().includes('b199;'), 'the edits to be on disk')
    // Killed while both still write: whatever each peer had on disk must still parse, frame by frame.
    let writing = true
    const more = (async () => {
      for (let i = 0; writing; i++) {
        ca.append(`x${i};`)
        cb.append(`y${i};`)
        await new Promise((r) => setImmediate(r))
      }
    })()
    await new Promise((r) => setTimeout(r, 30))
    await Promise.all([a!.stop('SIGKILL'), b!.stop('SIGKILL')])
    writing = false
    await more
    const files = readdirSync(dir).filter((f) => !f.startsWith('.'))
    expect(files.length).toBeGreaterThanOrEqual(2)
    for (const f of files) {
      const data = readFileSync(join(dir, f))
      const frames = decodeFrames(data)
      // A torn tail is the one thing a SIGKILL may leave; a damaged frame is not.
      expect(frames.skipped, `${f}: ${framesReport(frames, data.length)}`).toEqual([])
    }
    const again = await spawnPeer({ home, args: ['--ports', R] })
    const back = roomClient(again, 'contended')
    const tokens = Array.from({ length: 200 }, (_, i) => [`a${i};`, `b${i};`]).flat()
    await waitFor(() => tokens.every((t) => back.text().includes(t)), 'every edit both peers had written to be back from disk')
    expect(again.stderr()).not.toMatch(/damaged|does not apply/)
  })
})
