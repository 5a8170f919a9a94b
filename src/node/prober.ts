/**
 * The verdict after a lost connection, and what follows from it. `probePeer` (liveness.ts) says whether
 * the peer lives; `judge` turns that and the peer's history into a decision: keep it (and, if it was our
 * own link that fell, dial again after a short backoff), or evict it. A running peer whose /health is
 * merely slow is evicted only after SLOW_STRIKES slow answers in a row: under load (32 peers starting on
 * 2 cores) a busy peer is not a dead one. While the whole machine is overloaded it takes
 * OVERLOADED_STRIKES; a peer whose process is stopped or gone is evicted at once as ever.
 */
import type { PeerEntry } from '../shared/schema.js'
import type { KnownPeers } from './known-peers.js'
import { probePeer, type Verdict } from './liveness.js'
import type { Logger } from './log.js'

export const SLOW_STRIKES = 3
/**
 * While the machine is overloaded, how many slow answers in a row evict: every peer is slow then, so
 * more are needed; but not unboundedly many, since a hung peer may be what loads the machine (a task
 * stuck in D state counts in the load average) or the load may be a container's host's.
 */
export const OVERLOADED_STRIKES = 10

/** How long a /health probe waits before it calls the answer slow (or, off this machine, gone). */
export const PROBE_TIMEOUT_MS = 1500

export type Decision = { evict: false; strikes: number; note: string | null } | { evict: true; strikes: 0; reason: string }

export const judge = (verdict: Verdict, strikesBefore: number): Decision => {
  if (verdict.alive === true) return { evict: false, strikes: 0, note: null }
  if (verdict.alive === 'slow') {
    // On an overloaded machine every peer is slow (liveness.ts, OVERLOADED_PER_CORE): more are needed.
    const limit = verdict.overloaded ? OVERLOADED_STRIKES : SLOW_STRIKES
    const strikes = strikesBefore + 1
    if (strikes < limit) return { evict: false, strikes, note: `slow (${strikes}/${limit}): ${verdict.reason}` }
    return { evict: true, strikes: 0, reason: `${verdict.reason} (${strikes} times in a row)` }
  }
  return { evict: true, strikes: 0, reason: verdict.reason }
}

export interface ProberDeps {
  known: KnownPeers
  hostId: string
  timeoutMs: number
  log: Logger
  running(): boolean
  /** The peer lives; `dialled`: the lost connection was our own link. */
  onAlive(entry: PeerEntry, dialled: boolean): void
  onGone(entry: PeerEntry, reason: string): void
  /** Injected in unit tests; the real probe otherwise. */
  probe?: (entry: PeerEntry) => Promise<Verdict>
}

export class Prober {
  constructor(private readonly deps: ProberDeps) {}

  /** Probes a peer once at a time; a second call while one is in flight is dropped. Never rejects. */
  async check(entry: PeerEntry, why: string, dialled: boolean): Promise<void> {
    const record = this.deps.known.ensure(entry.id)
    if (record.probing) return
    record.probing = true
    try {
      const probe = this.deps.probe ?? ((e: PeerEntry) => probePeer(e, { hostId: this.deps.hostId, timeoutMs: this.deps.timeoutMs }))
      const decision = judge(await probe(entry), record.slowStrikes)
      if (!this.deps.running()) return
      record.slowStrikes = decision.strikes
      if (decision.evict) this.deps.onGone(entry, `${why}; ${decision.reason}`)
      else {
        if (decision.note) this.deps.log.debug(`${entry.name} is ${decision.note}`)
        this.deps.onAlive(entry, dialled)
      }
    } catch (err) {
      this.deps.log.warn(`probe of ${entry.name} failed: ${(err as Error).message}`)
    } finally {
      record.probing = false
    }
  }
}
