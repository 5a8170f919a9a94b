import type { PeerEntry } from '../../shared/schema.js'

/**
 * The node side's discovery interface, in the manner of js-libp2p's discovery modules: a source only
 * gives hints (a URL that may be a peer). The mesh confirms each hint over HTTP before it dials it, and
 * never evicts on a source's word alone: liveness comes from live connections.
 */
export interface Hint {
  url: string
  /** The peer id the source claims; checked against /health. */
  id: string
  source: 'registry-file' | 'mdns'
  /** The whole entry, where the source has one (servers.json): a peer of this machine is then confirmed by its process identity, without a round trip. */
  entry?: PeerEntry
}

export interface HintSink {
  /** A peer may be at this URL. */
  found(hint: Hint): void
  /** A source says the peer left; the mesh probes before believing it. */
  lost(hint: Hint): void
}

export interface NodeDiscovery {
  readonly name: string
  start(sink: HintSink): Promise<void>
  stop(): Promise<void>
}
