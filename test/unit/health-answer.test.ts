/** GET /health's answer: what a person learns and what a stranger must not (no room name at all). */
import { describe, expect, it } from 'vitest'
import { DIRECTORY_ROOM } from '../../src/shared/protocol.js'
import type { PeerEntry } from '../../src/shared/schema.js'
import { healthAnswer } from '../../src/node/health-answer.js'

const entry: PeerEntry = {
  id: 'abcd1234',
  name: 'alpha',
  url: 'http://127.0.0.1:4100',
  host: 'box',
  port: 4100,
  pid: 42,
  pidStart: 7,
  hostId: 'boot-1',
  version: '0.1.0',
  protocol: 1,
  startedAt: 1,
  rooms: ['secret-open'],
  storedRooms: ['secret-stored']
}

const answer = healthAnswer({
  live: () => entry,
  peerCount: () => 3,
  mesh: { outboundCount: () => 2 },
  rooms: { rooms: new Map([[DIRECTORY_ROOM, {}], ['plans', {}]]), inboundPeers: () => new Set(['x', 'y']), inboundRoomLinks: () => 5, pinCount: () => 1 },
  roomLinks: { outboundCount: () => 4, connectingCount: () => 0, retryCount: () => 2 },
  connections: { held: 9, cap: 100, evicted: 6 }
})

describe('the /health answer', () => {
  it('gives a stranger the entry and link counts, and no room name, listed or stored', () => {
    const out = answer(false)
    expect(out).toMatchObject({ id: entry.id, ok: true, peers: 3, links: { outbound: 2, inbound: 2 } })
    expect(JSON.stringify(out)).not.toMatch(/secret|plans/)
    expect(out).not.toHaveProperty('rooms')
    expect(out).not.toHaveProperty('storedRooms')
    expect(out).not.toHaveProperty('roomLinks')
    expect(out).not.toHaveProperty('connections')
  })

  it('gives a person the open rooms (not the directory), the stored ones, the room links and the connections', () => {
    const out = answer(true)
    expect(out.rooms).toEqual(['plans'])
    expect(out.storedRooms).toEqual(['secret-stored'])
    expect(out.roomLinks).toEqual({ outbound: 4, inbound: 5, connecting: 0, retrying: 2 })
    expect(out.roomTimers).toBe(3)
    expect(out.connections).toEqual({ held: 9, cap: 100, evicted: 6 })
    expect(answer()).toEqual(out)
  })
})
