/**
 * Keeps this peer's outbound directory links equal to its dial targets (topology.ts over the current
 * members): retires links no longer needed, dials new targets once their backoff has passed, and runs
 * again whenever membership or a backoff changes. Reconciling is O(N log N) in the members and is
 * coalesced to one run per event-loop turn.
 */
import type * as Y from 'yjs'
import { backoffMs } from '../shared/backoff.js'
import type { DirectoryView } from '../shared/directory.js'
import type { PeerEntry } from '../shared/schema.js'
import { openLink } from './directory-link.js'
import type { Keepalive } from './keepalive.js'
import type { KnownPeers } from './known-peers.js'
import type { Logger } from './log.js'
import { dialTargets } from './topology.js'
import { urlInScope, type Scope } from './url-scope.js'

export interface DiallerDeps {
  self: PeerEntry
  doc: Y.Doc
  view: DirectoryView
  known: KnownPeers
  keepalive: Keepalive
  /** The directory's limits, for what links bring in. */
  overLimit: (frame: Uint8Array) => string | null
  key: Buffer
  /** Only URLs in this scope are ever dialled, whatever their source. */
  scope: Scope
  handshakeTimeoutMs: number
  log: Logger
  /** A link fell for a reason other than our retiring it. */
  onLinkDown(entry: PeerEntry, reason: string): void
  /** A dial target known only from an unconfirmed hint: confirm it first (it is dialled once confirmed). */
  confirm(id: string): void
}

export class Dialler {
  private timer: NodeJS.Timeout | null = null
  private running = true

  constructor(private readonly deps: DiallerDeps) {}

  schedule(ms = 0): void {
    if (this.timer || !this.running) return
    this.timer = setTimeout(() => {
      this.timer = null
      this.reconcile()
    }, ms)
  }

  /** Waits before the next dial of (or confirmation of a hint for) `id`: full jitter, growing per failure. */
  backOff(id: string, baseMs: number, capMs: number): void {
    const r = this.deps.known.ensure(id)
    r.backoff = { until: Date.now() + backoffMs(r.backoff.failures, baseMs, capMs), failures: r.backoff.failures + 1 }
    this.schedule(0)
  }

  clearBackoff(id: string): void {
    const r = this.deps.known.get(id)
    if (r) r.backoff = { until: 0, failures: 0 }
  }

  reconcile(): void {
    if (!this.running) return
    const { known, self } = this.deps
    const now = Date.now()
    const members = known.members(this.deps.view.peers(), self, now)
    const targets = new Set(dialTargets(self.id, members.keys()))
    for (const r of known.values()) {
      if (r.link && !targets.has(r.id)) {
        const link = r.link
        r.link = null
        link.retire()
      }
    }
    for (const id of targets) {
      const r = known.ensure(id)
      if (r.link) continue
      const wait = r.backoff.until - now
      if (wait > 0) this.schedule(wait)
      else {
        const entry = members.get(id)
        if (entry) this.dial(r.id, entry)
        else this.deps.confirm(id)
      }
    }
  }

  private dial(id: string, target: PeerEntry): void {
    const record = this.deps.known.ensure(id)
    if (!urlInScope(target.url, this.deps.scope)) {
      this.deps.log.warn(`not dialling ${target.url}: outside ${this.deps.scope} scope`)
      return void this.backOff(id, 30000, 30000)
    }
    const link = openLink({
      selfId: this.deps.self.id,
      targetId: id,
      url: target.url,
      doc: this.deps.doc,
      key: this.deps.key,
      keepalive: this.deps.keepalive,
      overLimit: this.deps.overLimit,
      handshakeTimeoutMs: this.deps.handshakeTimeoutMs,
      onUp: () => {
        this.clearBackoff(id)
        record.slowStrikes = 0
        this.deps.log.debug(`linked to ${target.name} (${target.url})`)
      },
      onDown: (link, reason) => {
        if (record.link !== link) return
        record.link = null
        if (!this.running) return
        this.deps.log.debug(`link to ${target.name} down: ${reason}`)
        this.deps.onLinkDown(target, reason)
      }
    }, this.deps.log)
    if (!link) return void this.backOff(id, 30000, 30000)
    record.link = link
  }

  outboundCount(): number {
    let n = 0
    for (const r of this.deps.known.values()) if (r.link?.up) n++
    return n
  }

  /** Stops dialling; the links stay open so a goodbye can still flow through them. */
  stop(): void {
    this.running = false
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  async drainAndClose(maxMs: number): Promise<void> {
    const links = [...this.deps.known.values()].flatMap((r) => (r.link ? [r.link] : []))
    await Promise.all(links.map((l) => l.drain(maxMs)))
    for (const l of links) l.close('shutting down')
    for (const r of this.deps.known.values()) r.link = null
  }
}
