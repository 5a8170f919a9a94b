/**
 * What `peer-plan/node` promises about a running peer, kept apart from peer.ts: this file's types name
 * nothing from Node (no Buffer, streams, http or ws), so a consumer type-checks the package without
 * @types/node. The internal Peer (peer.ts) extends it with the pieces the MCP side works with.
 */
import type { HealthResponse, PeerEntry } from '../shared/schema.js'
import type { Logger } from './log.js'

export interface PeerOptions {
  log?: Logger
  /** Rooms a peer hosts at once, besides the directory. */
  maxRooms?: number
  pingIntervalMs?: number
  /**
   * mDNS starts when this resolves (the CLI: once it has printed its ready line), and so does the hold
   * on the port's other loopback family (family-guard.ts), so neither is part of the start. Default: as
   * soon as the peer has started.
   */
  mdnsAfter?: Promise<void>
}

export interface PeerHandle {
  /** The entry as this peer started; the directory holds the live one (name and agents change). */
  readonly entry: PeerEntry
  readonly url: string
  /** The dashboard with the access token in its fragment: what a person opens. */
  readonly dashboardUrl: string
  /** The access token (the agent hands it to its user; a page or a tool shows it; peers show each other link proofs instead). */
  readonly token: string
  updateSelf(patch: Partial<PeerEntry>): void
  peers(): PeerEntry[]
  health(): HealthResponse
  stop(): Promise<void>
}
