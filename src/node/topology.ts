/**
 * Which peers a peer dials to keep the directory in sync: Chord-style fingers. Each peer id is placed on
 * a 2^64 ring by its hash, and a peer dials the successor of its position + 2^k for k = 0..63. With N
 * peers that is about log2(N) distinct fingers, at most ~log2(N) hops between any two peers, and about
 * N*log2(N) connections in all, against N*(N-1)/2 for a full mesh.
 *
 * Fingers live in id space, not in rank order: a peer joining or leaving changes the fingers of only the
 * ~log2(N) peers whose finger intervals it falls into, so the rest of the mesh keeps its connections.
 * When two peers would dial each other, only the one with the larger id does.
 */
import { createHash } from 'node:crypto'

const RING = 1n << 64n
const positions = new Map<string, bigint>()

const position = (id: string): bigint => {
  let p = positions.get(id)
  if (p === undefined) {
    p = BigInt('0x' + createHash('sha256').update(id).digest('hex').slice(0, 16))
    if (positions.size > 4096) positions.clear()
    positions.set(id, p)
  }
  return p
}

interface Ring {
  ids: string[]
  pos: bigint[]
}

const ringOf = (ids: Iterable<string>): Ring => {
  const sorted = [...new Set(ids)].map((id) => ({ id, p: position(id) })).sort((a, b) => (a.p < b.p ? -1 : a.p > b.p ? 1 : a.id < b.id ? -1 : 1))
  return { ids: sorted.map((s) => s.id), pos: sorted.map((s) => s.p) }
}

/** Index of the first peer at or after position x, wrapping around. */
const successor = (ring: Ring, x: bigint): number => {
  let lo = 0
  let hi = ring.pos.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (ring.pos[mid]! < x) lo = mid + 1
    else hi = mid
  }
  return lo % ring.pos.length
}

const fingersIn = (ring: Ring, self: string): string[] => {
  const i = ring.ids.indexOf(self)
  if (i < 0 || ring.ids.length < 2) return []
  const out = new Set<string>()
  // The immediate successor by index: always a finger, so the ring alone keeps the mesh connected.
  out.add(ring.ids[(i + 1) % ring.ids.length]!)
  for (let k = 0n; k < 64n; k++) {
    const j = successor(ring, (ring.pos[i]! + (1n << k)) % RING)
    if (j !== i) out.add(ring.ids[j]!)
  }
  return [...out]
}

export const fingers = (self: string, ids: Iterable<string>): string[] => fingersIn(ringOf(ids), self)

export const dialTargets = (self: string, ids: Iterable<string>): string[] => {
  const ring = ringOf(ids)
  return fingersIn(ring, self).filter((t) => !(t > self && fingersIn(ring, t).includes(self)))
}

/** How many peers are home to each room: with two, a room outlives any one peer while another is alive. */
export const HOMES_PER_ROOM = 2

/**
 * A room's home peers: the first `k` peers at or after the room's own place on the same ring (its name's
 * hash, salted so a room never shares a position with a peer id). Every peer computes the same homes from
 * the same membership; a join or leave moves the homes of only the rooms next to it on the ring.
 */
export const roomHomes = (room: string, ids: Iterable<string>, k = HOMES_PER_ROOM): string[] => {
  const ring = ringOf(ids)
  if (ring.ids.length === 0) return []
  const start = successor(ring, position(`room:${room}`))
  const out: string[] = []
  for (let i = 0; i < Math.min(k, ring.ids.length); i++) out.push(ring.ids[(start + i) % ring.ids.length]!)
  return out
}
