/**
 * Everything this peer knows about each other peer, in one record per id: the entry a discovery source
 * confirmed, the outbound link, the backoff before the next dial or confirmation, the probe in flight
 * and the slow-probe strikes. One map instead of parallel collections, so a peer's state is dropped in
 * one place and can never half-survive.
 */
import type { PeerEntry } from '../shared/schema.js'
import type { DirectoryLink } from './directory-link.js'
import type { Hint } from './discovery/hint.js'

export interface PeerRecord {
  readonly id: string
  /** The entry a discovery source led to and /health confirmed, with the URL it was reached at. */
  hint: PeerEntry | null
  /** Where a discovery source says the peer is, not yet confirmed: confirmed only if it is to be dialled. */
  pending: Hint | null
  link: DirectoryLink | null
  /** No dial or confirmation before `until`; `failures` in a row so far. */
  backoff: { until: number; failures: number }
  probing: boolean
  /** Slow /health answers in a row: a running peer is evicted only after several. */
  slowStrikes: number
}

export class KnownPeers {
  private readonly records = new Map<string, PeerRecord>()

  get(id: string): PeerRecord | undefined {
    return this.records.get(id)
  }

  ensure(id: string): PeerRecord {
    let r = this.records.get(id)
    if (!r) {
      r = { id, hint: null, pending: null, link: null, backoff: { until: 0, failures: 0 }, probing: false, slowStrikes: 0 }
      this.records.set(id, r)
    }
    return r
  }

  values(): IterableIterator<PeerRecord> {
    return this.records.values()
  }

  /** Forgets a record that holds nothing worth keeping (no link, no probe, no hint, no backoff). */
  prune(id: string, now: number): void {
    const r = this.records.get(id)
    if (r && !r.link && !r.probing && !r.hint && !r.pending && r.backoff.until <= now) this.records.delete(id)
  }

  backingOff(id: string, now: number): boolean {
    return (this.records.get(id)?.backoff.until ?? 0) > now
  }

  /**
   * Who the topology is computed over: the directory's entries, plus hints not yet in it that are not
   * backing off (null: not confirmed yet), plus this peer. Unconfirmed hints count, so that a cold start
   * computes its fingers over everyone it has heard of at once instead of reshuffling as each confirms.
   */
  members(directory: PeerEntry[], self: PeerEntry, now: number): Map<string, PeerEntry | null> {
    const m = new Map<string, PeerEntry | null>()
    for (const p of directory) m.set(p.id, p)
    for (const r of this.records.values()) {
      if ((r.hint || r.pending) && !m.has(r.id) && r.backoff.until <= now) m.set(r.id, r.hint)
    }
    m.set(self.id, self)
    return m
  }

  clear(): void {
    this.records.clear()
  }
}
