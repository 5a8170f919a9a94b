/** The Mesh's public shapes: its status, events and timings, and what joinMesh gives it. */
import type { PeerEntry } from '../shared/schema.js'
import type { KeyProofs } from './discovery/key-proofs.js'
import type { Attempt } from './discovery/race.js'
import type { Found, Reach } from './discovery/source.js'

export type MeshStatus = 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'destroyed'

export interface MeshTimings {
  /** ms from the joinMesh() call until the first peer answered */
  firstAnswer: number
  /** ms until the whole peer list was known (that peer's /registry answer): joinMesh resolves then */
  peersKnown: number
  /** ms until the live directory doc had synced behind it (NaN until then; see `Mesh.live`) */
  directorySynced: number
  /** each discovery source: what it returned and when */
  sources: Attempt[]
  /** ms each failover took, from losing `current` to the directory syncing from another peer */
  failovers: number[]
}

export interface StatusEvent {
  status: MeshStatus
  detail?: string
  retryInMs?: number
  /** With `offline`: retries so far; the wait is drawn from [0, min(5000, 250 * 2^attempt)] ms. */
  attempt?: number
}

export type MeshEvents = {
  'peer-added': (peer: PeerEntry) => void
  'peer-removed': (peer: PeerEntry) => void
  change: (peers: PeerEntry[]) => void
  status: (event: StatusEvent) => void
}

export interface MeshDeps {
  /** Rediscovers a first peer when none from the directory answers (the joinMesh race, minus the cache). */
  rediscover: (signal: AbortSignal) => Promise<Found>
  cacheKey: string | null
  probeTimeoutMs: number
  /** The access token rooms are opened with; null: none (the directory alone is readable). */
  token: string | null
  /** With the token: the peers that proved the mesh key in this page's life, the only ones shown it. */
  proofs: KeyProofs | null
  heartbeatMs: number
  /** performance.now() when joinMesh was called: timings count from it. */
  startedAt: number
  /** How the page reaches a peer's URL (the Vite plugin's relay, or directly). */
  reach: Reach
}
