/**
 * Which peers a peer dials to keep the directory in sync. Peers sort their ids into a ring and each dials
 * the peers 1, 2, 4, 8, ... places after it (Chord-style fingers). That gives every peer about
 * 2*log2(N) live connections (its fingers plus the peers whose finger it is), at most log2(N) hops
 * between any two peers, and about N*log2(N) connections in all, against N*(N-1)/2 for a full mesh.
 * When two peers would dial each other, only the one with the larger id does, so a pair never holds
 * two connections.
 */

export const fingers = (self: string, ids: Iterable<string>): string[] => {
  const ring = [...new Set(ids)].sort()
  const n = ring.length
  const i = ring.indexOf(self)
  if (i < 0 || n < 2) return []
  const out = new Set<string>()
  for (let d = 1; d < n; d *= 2) out.add(ring[(i + d) % n]!)
  return [...out]
}

export const dialTargets = (self: string, ids: Iterable<string>): string[] => {
  const all = [...new Set(ids)]
  return fingers(self, all).filter((t) => !(t > self && fingers(t, all).includes(self)))
}

/** Connections the whole mesh holds with this topology: one per dialled pair. */
export const connectionCount = (ids: string[]): number => ids.reduce((sum, id) => sum + dialTargets(id, ids).length, 0)
