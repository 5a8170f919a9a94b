/**
 * This peer's place in the mesh: it wires its own directory entry (self-registration), the discovery
 * sources (servers.json, mDNS), the dialler (finger links) and the prober (eviction) around one
 * directory doc and one record per known peer.
 *
 * Discovery gives hints; every hint, from any source, is confirmed on one path before it is dialled:
 * a servers.json entry of this machine by its live pid and start time, anything else by GET /health
 * answering with the hinted id. Liveness comes from connections: a link or an inbound directory connection that closes
 * abnormally triggers a probe, and a missed pong closes the connection. A sweep every second evicts
 * directory entries whose process on this machine is gone.
 *
 * Costs per peer as N grows: ~2*log2(N) sockets; N /proc reads per sweep; a directory change reaches
 * everyone in at most log2(N) hops.
 */
import type * as Y from 'yjs'
import { directoryMap, DirectoryView, readPeer } from '../shared/directory.js'
import { fetchHealth } from '../shared/health-client.js'
import type { PeerEntry } from '../shared/schema.js'
import { Dialler } from './dialler.js'
import type { Hint, HintSink, NodeDiscovery } from './discovery/hint.js'
import type { Keepalive } from './keepalive.js'
import { KnownPeers } from './known-peers.js'
import type { Logger } from './log.js'
import { nodeGet } from './node-get.js'
import { PROBE_TIMEOUT_MS, Prober } from './prober.js'
import { isProcessAlive } from './process-identity.js'
import { SelfRegistration } from './self-registration.js'
import { urlInScope, type Scope } from './url-scope.js'
import { DirectoryGuard } from './directory-guard.js'

/** Redials of a live peer's fallen link before it goes back to discovery. */
export const MAX_REDIALS = 8

export interface MeshOptions {
  self: PeerEntry
  doc: Y.Doc
  view: DirectoryView
  keepalive: Keepalive
  /** The directory's limits, for what links bring in. */
  overLimit: (frame: Uint8Array) => string | null
  /** The mesh key every link proves. */
  key: Buffer
  scope: Scope
  log: Logger
  hostId: string
  /** Hint sources: servers.json, mDNS. */
  discoveries: NodeDiscovery[]
}

/** A link's WebSocket handshake, link proof included. */
const HANDSHAKE_TIMEOUT_MS = 2000
/** How often servers.json's entries of this machine are checked against live processes. */
const SWEEP_INTERVAL_MS = 1000

export class Mesh implements HintSink {
  readonly self: PeerEntry
  private readonly known = new KnownPeers()
  private readonly registration: SelfRegistration
  private readonly guard: DirectoryGuard
  private readonly dialler: Dialler
  private readonly prober: Prober
  private running = false
  private sweepTimer: NodeJS.Timeout | null = null

  constructor(private readonly opts: MeshOptions) {
    this.self = opts.self
    this.registration = new SelfRegistration(opts.doc, opts.self, opts.log)
    this.guard = new DirectoryGuard({ doc: opts.doc, selfId: opts.self.id, scope: opts.scope, log: opts.log })
    this.dialler = new Dialler({
      ...opts,
      known: this.known,
      handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS,
      onLinkDown: (target, reason) => void this.prober.check(readPeer(opts.doc, target.id) ?? target, reason, true),
      confirm: (id) => this.confirmPending(id)
    })
    this.prober = new Prober({
      known: this.known,
      hostId: opts.hostId,
      timeoutMs: PROBE_TIMEOUT_MS,
      log: opts.log,
      running: () => this.running,
      // A live peer whose link fell is dialled again soon; a gone one is dialled ever more rarely (its
      // servers.json hint stays while its pid lives, hung).
      onAlive: (entry, dialled) => dialled && this.redial(entry),
      onGone: (entry, reason) => {
        this.dialler.backOff(entry.id, 1000, 30000)
        this.known.ensure(entry.id).hint = null
        this.evict(entry, reason)
      }
    })
  }

  async start(): Promise<void> {
    this.running = true
    directoryMap(this.opts.doc).observe(this.onMapChange)
    this.guard.start()
    this.registration.start()
    for (const d of this.opts.discoveries) {
      await d.start(this).catch((err: Error) => this.opts.log.warn(`${d.name} discovery did not start: ${err.message}`))
    }
    this.sweepTimer = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS)
    this.dialler.reconcile()
  }

  /** Republishes this peer's own directory entry with `patch` applied (its name, its agents). */
  updateSelf(patch: Partial<PeerEntry>): void {
    if (this.running) this.registration.update(patch)
  }

  outboundCount(): number {
    return this.dialler.outboundCount()
  }

  /**
   * A directory connection from another peer closed. A normal close (1000) is a peer retiring a link it
   * no longer needs: nothing to check.
   */
  onInboundClosed = (peerId: string, code: number): void => {
    if (code === 1000 || !this.running) return
    const entry = readPeer(this.opts.doc, peerId) ?? this.known.get(peerId)?.hint
    if (entry) void this.prober.check(entry, 'its connection to us closed', false)
  }

  /**
   * A live peer whose link fell: again at once (full jitter over 0-100 ms), then exponentially up to
   * 5 s; after MAX_REDIALS failures in a row its hint is dropped and it waits for discovery (servers.json,
   * mDNS) to lead to it again, with up to 30 s between tries. Whenever a link comes back up, Yjs sync
   * (step 1 and 2 on the new link) restores whatever either side missed.
   */
  private redial(entry: PeerEntry): void {
    const record = this.known.ensure(entry.id)
    if (record.backoff.failures < MAX_REDIALS) return this.dialler.backOff(entry.id, 100, 5000)
    this.opts.log.debug(`${entry.name}: ${record.backoff.failures} redials failed; back to discovery`)
    record.hint = null
    this.dialler.backOff(entry.id, 1000, 30000)
  }

  /**
   * A discovery source says a peer may be at hint.url. It joins the members at once, unconfirmed; it is
   * confirmed (GET /health must answer as that peer) only when the dialler wants to dial it, so a cold
   * start of N peers costs O(N log N) confirmations, not N^2, and every hint, from any source, passes
   * the same check before it is dialled.
   */
  found(hint: Hint): void {
    if (!this.running || hint.id === this.self.id || this.opts.view.has(hint.id)) return
    if (!urlInScope(hint.url, this.opts.scope)) return this.opts.log.debug(`${hint.source}: ignoring ${hint.url}, outside ${this.opts.scope} scope`)
    const record = this.known.ensure(hint.id)
    if (record.hint || record.pending?.url === hint.url) return
    record.pending = hint
    this.dialler.schedule(0)
  }

  private confirmPending(id: string): void {
    const record = this.known.get(id)
    if (!this.running || !record?.pending || record.probing) return
    const hint = record.pending
    // A servers.json entry of this machine whose process (pid and start time) lives is confirmed as it
    // stands: the file is ours (0600, refused if foreign) and pids are checked without a round trip.
    // Under a cold start of 32 peers on 2 cores a /health round trip here cost seconds.
    if (hint.entry && hint.entry.hostId === this.opts.hostId && hint.entry.url === hint.url && isProcessAlive(hint.entry)) {
      record.hint = hint.entry
      record.pending = null
      return this.dialler.schedule(0)
    }
    record.probing = true
    void fetchHealth(hint.url, { timeoutMs: PROBE_TIMEOUT_MS, get: nodeGet() })
      .then((health) => {
        if (health.id !== hint.id) throw new Error(`it is peer ${health.id}`)
        if (!this.running) return
        const { ok: _ok, peers: _peers, links: _links, rooms: _rooms, roomLinks: _roomLinks, roomTimers: _roomTimers, ...entry } = health
        // Dial the address the hint came from: the peer's own url may name an address we cannot reach.
        record.hint = { ...entry, url: hint.url }
        record.pending = null
        this.opts.log.debug(`${hint.source}: found ${entry.name} at ${hint.url}`)
        this.dialler.schedule(0)
      })
      .catch((err: Error) => {
        this.opts.log.debug(`${hint.source}: ${hint.url} did not confirm: ${err.message}`)
        // Short: a peer that is starting (32 at once on 2 cores) may miss one answer; the source says
        // again within a second, and a dead one is pruned from the source itself.
        if (this.running) this.dialler.backOff(hint.id, 100, 5000)
      })
      .finally(() => (record.probing = false))
  }

  /** A discovery source says a peer left. Only a probe may evict it: a crashed peer sends no goodbye anyway. */
  lost(hint: Hint): void {
    if (!this.running) return
    const record = this.known.get(hint.id)
    const entry = readPeer(this.opts.doc, hint.id) ?? record?.hint
    if (record && !record.link) {
      record.hint = null
      record.pending = null
    }
    if (entry) void this.prober.check(entry, `${hint.source} says it left`, false)
  }

  private onMapChange = (event: Y.YMapEvent<unknown>): void => {
    if (!this.running) return
    for (const key of event.keysChanged) {
      if (key === this.self.id) continue
      if (this.opts.view.has(key)) {
        this.dialler.clearBackoff(key)
        if (event.changes.keys.get(key)?.action === 'add') this.opts.log.debug(`directory: ${key} joined`)
      } else {
        this.opts.log.debug(`directory: ${key} left`)
        this.known.prune(key, Date.now())
      }
    }
    this.dialler.schedule(0)
  }

  /** The backstop every second: dead processes of this machine leave the directory, and this peer stays in it. */
  private sweep(): void {
    const local = (p: PeerEntry) => p.id !== this.self.id && p.hostId === this.opts.hostId
    for (const p of this.opts.view.peers()) if (local(p) && !isProcessAlive(p)) this.evict(p, 'process gone')
    this.registration.ensure()
    this.dialler.reconcile()
  }

  private evict(entry: PeerEntry, reason: string): void {
    if (!this.opts.view.has(entry.id)) return
    this.opts.log.info(`evicting ${entry.name} (${entry.url}): ${reason}`)
    this.opts.doc.transact(() => directoryMap(this.opts.doc).delete(entry.id), this)
  }

  /** Leaves the directory and every discovery source, lets the goodbye reach the links, then closes them. */
  async stop(): Promise<void> {
    if (!this.running) return
    this.running = false
    if (this.sweepTimer) clearInterval(this.sweepTimer)
    this.dialler.stop()
    directoryMap(this.opts.doc).unobserve(this.onMapChange)
    this.guard.stop()
    this.registration.leave()
    await Promise.all([...this.opts.discoveries.map((d) => d.stop().catch(() => {})), this.dialler.drainAndClose(300)])
    this.known.clear()
  }
}
