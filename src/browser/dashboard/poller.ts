/**
 * Asks each peer of the directory, in turn, what it has seen: GET /events with the access token (the
 * history it keeps), or GET /health without one. Each answer, or its absence, is also that peer's
 * health as this page sees it. Paced so one page costs at most ~2 requests a second whatever N is,
 * plus one at once for each peer it has not asked yet.
 */
import { fetchHealth, getJson, HealthError } from '../../shared/health-client.js'
import { eventsResponseSchema, type MeshEvent } from '../../shared/events-schema.js'
import type { PeerEntry } from '../../shared/schema.js'
import { signRequest } from '../../shared/peer-proof.js'
import type { Mesh } from '../mesh.js'

/** How often each peer is asked, at least: with many peers, one is asked per tick instead. */
export const POLL_MS = 3000
const TICK_MS = 500
const TIMEOUT_MS = 2000

export interface PeerState {
  /** When the peer last answered, and how long that took. */
  lastOk?: number
  rttMs?: number
  /** The last failure, if it came after the last answer. */
  error?: string
  errorAt?: number
  lastTry: number
  inFlight: boolean
  /** The seq of the last event taken from this peer. */
  cursor: number
}

export interface PollerHooks {
  events(events: MeshEvent[], from: PeerEntry): void
  /** Something about a peer's state changed (an answer, a failure). */
  changed(): void
}

export class PeerPoller {
  readonly states = new Map<string, PeerState>()
  /** A peer answered the token with 401: from then on only /health is asked, for health. */
  tokenRefused = false
  private timer: ReturnType<typeof setInterval> | null = null

  constructor(
    private readonly mesh: Mesh,
    private readonly hooks: PollerHooks
  ) {}

  /** How long a peer may go unasked at the current N (the health verdict allows two of these). */
  get periodMs(): number {
    return Math.max(POLL_MS, this.mesh.peers.length * TICK_MS)
  }

  start(): void {
    this.tick()
    this.timer = setInterval(() => this.tick(), TICK_MS)
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  /** Every peer not asked yet, and the one asked longest ago if its turn has come. */
  tick(): void {
    const now = Date.now()
    const peers = this.mesh.peers
    const fresh = peers.filter((p) => !this.states.has(p.id))
    for (const p of fresh) void this.ask(p)
    const due = peers
      .map((p) => ({ p, s: this.states.get(p.id)! }))
      .filter(({ s }) => s && !s.inFlight && now - s.lastTry >= POLL_MS)
      .sort((a, b) => a.s.lastTry - b.s.lastTry)[0]
    if (due) void this.ask(due.p)
  }

  private async ask(peer: PeerEntry): Promise<void> {
    const s = this.states.get(peer.id) ?? { lastTry: 0, inFlight: false, cursor: 0 }
    this.states.set(peer.id, s)
    s.inFlight = true
    s.lastTry = Date.now()
    const t0 = performance.now()
    const proofs = this.mesh.token ? this.mesh.proofs : null
    // No peer proved the key for this token (key-proofs.ts): said as a refused token, and never shown.
    if (proofs?.disowned) this.tokenRefused = true
    try {
      if (proofs && !this.tokenRefused) {
        // The token goes only to a peer that proved the key in this page's life (key-proofs.ts): once
        // before its first /events, and again after any request to it failed (its port may have changed hands).
        if (!proofs.isProven(peer.url)) await proofs.prove(peer.url, (u) => u, TIMEOUT_MS)
        await this.readEvents(peer, s)
      } else await fetchHealth(peer.url, { timeoutMs: TIMEOUT_MS })
      s.lastOk = Date.now()
      s.rttMs = performance.now() - t0
      s.error = undefined
    } catch (err) {
      proofs?.forget(peer.url)
      s.error = (err as Error).message
      s.errorAt = Date.now()
    } finally {
      s.inFlight = false
      this.hooks.changed()
    }
  }

  private async readEvents(peer: PeerEntry, s: PeerState): Promise<void> {
    let body: unknown
    try {
      // A proof of the token for this one request, not the token (shared/peer-proof.ts signRequest).
      const auth = await signRequest(this.mesh.token!, `${peer.url}/events`)
      body = await getJson(`${peer.url}/events?after=${s.cursor}`, { timeoutMs: TIMEOUT_MS, headers: { Authorization: auth } })
    } catch (err) {
      if (!(err instanceof HealthError) || err.message !== 'HTTP 401') throw err
      this.tokenRefused = true
      return void (await fetchHealth(peer.url, { timeoutMs: TIMEOUT_MS }))
    }
    const parsed = eventsResponseSchema.safeParse(body)
    if (!parsed.success || parsed.data.self !== peer.id) throw new Error('not this peer\'s history')
    s.cursor = parsed.data.seq
    if (parsed.data.events.length) this.hooks.events(parsed.data.events, peer)
  }

  /** Forgets peers that left the directory (a peer that comes back is asked for its history again). */
  forget(ids: Iterable<string>): void {
    for (const id of ids) this.states.delete(id)
  }
}
