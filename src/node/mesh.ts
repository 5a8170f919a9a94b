/**
 * This peer's place in the mesh. It keeps its own entry in the directory doc and in servers.json, dials
 * the peers the topology names, and evicts peers that are confirmed gone.
 *
 * Hints come from servers.json (and, later, mDNS); liveness comes from live connections: a link or an
 * inbound directory connection that closes triggers an immediate probe (pid, then /health), and a missed
 * WebSocket pong closes the connection. A sweep every second catches what no connection reported: dead
 * pids in the directory or in servers.json, and this peer's own entry gone missing from either.
 *
 * Costs per peer as N grows: ~2*log2(N) sockets; one small file read and N /proc reads per sweep;
 * a directory change reaches everyone in at most log2(N) hops.
 */
import { watch, type FSWatcher } from 'node:fs'
import type * as Y from 'yjs'
import { directoryMap, DirectoryView, readPeer } from '../shared/directory.js'
import type { PeerEntry } from '../shared/schema.js'
import { DirectoryLink } from './directory-link.js'
import type { Hint, HintSink, NodeDiscovery } from './discovery/hint.js'
import { fetchHealth, probePeer } from './liveness.js'
import type { Logger } from './log.js'
import { isProcessAlive } from './process-identity.js'
import type { RegistryFile } from './registry-file.js'
import { dialTargets } from './topology.js'

export interface MeshOptions {
  self: PeerEntry
  doc: Y.Doc
  registry: RegistryFile
  log: Logger
  hostId: string
  sweepIntervalMs?: number
  pingIntervalMs?: number
  handshakeTimeoutMs?: number
  probeTimeoutMs?: number
  /** Hint sources besides servers.json (mDNS). */
  discoveries?: NodeDiscovery[]
}

const SLOW_STRIKES = 3

interface Backoff {
  until: number
  failures: number
}

export class Mesh implements HintSink {
  readonly self: PeerEntry
  private readonly doc: Y.Doc
  private readonly map: Y.Map<unknown>
  private readonly view: DirectoryView
  private readonly log: Logger
  private readonly links = new Map<string, DirectoryLink>()
  private hints = new Map<string, PeerEntry>()
  /** Peers that a discovery source pointed at and that answered /health: the mDNS hints. */
  private readonly discovered = new Map<string, PeerEntry>()
  private readonly confirming = new Set<string>()
  private readonly backoff = new Map<string, Backoff>()
  private readonly probing = new Set<string>()
  /** Slow /health answers in a row, per peer: a running peer is evicted only after SLOW_STRIKES. */
  private readonly slow = new Map<string, number>()
  private running = false
  private sweeping: Promise<void> | null = null
  private sweepAgain = false
  private sweepTimer: NodeJS.Timeout | null = null
  private reconcileTimer: NodeJS.Timeout | null = null
  private watcher: FSWatcher | null = null
  private readonly o: Required<Omit<MeshOptions, 'self' | 'doc' | 'registry' | 'log' | 'hostId' | 'discoveries'>>

  constructor(private readonly opts: MeshOptions) {
    this.self = opts.self
    this.doc = opts.doc
    this.map = directoryMap(opts.doc)
    this.view = new DirectoryView(opts.doc)
    this.log = opts.log
    this.o = {
      sweepIntervalMs: opts.sweepIntervalMs ?? 1000,
      pingIntervalMs: opts.pingIntervalMs ?? 1000,
      handshakeTimeoutMs: opts.handshakeTimeoutMs ?? 2000,
      probeTimeoutMs: opts.probeTimeoutMs ?? 1500
    }
  }

  async start(): Promise<void> {
    this.running = true
    this.map.observe(this.onMapChange)
    this.publishSelf()
    try {
      await this.opts.registry.upsert(this.self)
    } catch (err) {
      // Not fatal: the sweep registers this peer again every second, and mDNS or peers that already
      // know it still join it meanwhile.
      this.log.warn(`could not register in servers.json yet (${(err as Error).message}); retrying every second`)
    }
    await this.sweep()
    this.sweepTimer = setInterval(() => void this.sweep(), this.o.sweepIntervalMs)
    for (const d of this.opts.discoveries ?? []) {
      await d.start(this).catch((err: Error) => this.log.warn(`${d.name} discovery did not start: ${err.message}`))
    }
    try {
      this.watcher = watch(this.opts.registry.home, (_event, file) => {
        if (file === 'servers.json') void this.sweep()
      })
      this.watcher.on('error', () => this.watcher?.close())
    } catch {
      // No inotify (or a filesystem without it): the periodic sweep still sees every change.
    }
  }

  /** Outbound links that are open now. */
  outboundCount(): number {
    let n = 0
    for (const l of this.links.values()) if (l.up) n++
    return n
  }

  /**
   * Called by the room server when a directory connection from another peer closes. A normal close
   * (1000) is a peer retiring a link it no longer needs: nothing to check.
   */
  onInboundClosed(peerId: string, code: number): void {
    if (code === 1000 || !this.running) return
    const entry = readPeer(this.doc, peerId) ?? this.hints.get(peerId)
    if (entry) void this.check(entry, 'its connection to us closed', false)
  }

  /** A discovery source says a peer may be at hint.url: confirm it answers as a peer before dialling it. */
  found(hint: Hint): void {
    if (!this.running || hint.id === this.self.id || (hint.id && (this.map.has(hint.id) || this.discovered.has(hint.id)))) return
    if (this.confirming.has(hint.url)) return
    this.confirming.add(hint.url)
    void fetchHealth(hint.url, this.o.probeTimeoutMs)
      .then((health) => {
        if ((hint.id && health.id !== hint.id) || health.id === this.self.id || !this.running) return
        const { ok: _ok, peers: _peers, links: _links, rooms: _rooms, ...entry } = health
        // Dial the address the hint came from: the peer's own url may name an address we cannot reach.
        this.discovered.set(entry.id, { ...entry, url: hint.url })
        this.log.debug(`${hint.source}: found ${entry.name} at ${hint.url}`)
        this.scheduleReconcile(0)
      })
      .catch((err: Error) => this.log.debug(`${hint.source}: ${hint.url} did not confirm: ${err.message}`))
      .finally(() => this.confirming.delete(hint.url))
  }

  /** A discovery source says a peer left. Only a probe may evict it: a crashed peer sends no goodbye anyway. */
  lost(hint: Hint): void {
    if (!this.running || !hint.id) return
    const entry = readPeer(this.doc, hint.id) ?? this.discovered.get(hint.id)
    this.discovered.delete(hint.id)
    if (entry) void this.check({ ...entry, url: entry.url }, `${hint.source} goodbye`, false)
  }

  private publishSelf = (): void => {
    if (this.running) this.doc.transact(() => this.map.set(this.self.id, { ...this.self }), this)
  }

  private onMapChange = (event: Y.YMapEvent<unknown>): void => {
    if (!this.running) return
    for (const key of event.keysChanged) {
      if (key === this.self.id) {
        if (!this.map.has(key)) {
          this.log.warn('this peer was removed from the directory while alive; putting it back')
          queueMicrotask(this.publishSelf)
        }
      } else if (this.map.has(key)) {
        this.backoff.delete(key)
        if (event.changes.keys.get(key)?.action === 'add') this.log.debug(`directory: ${key} joined`)
      } else this.log.debug(`directory: ${key} left`)
    }
    this.scheduleReconcile(0)
  }

  /** Directory entries, plus servers.json hints not yet in it that are not backing off. */
  private members(): Map<string, PeerEntry> {
    const m = new Map<string, PeerEntry>()
    for (const p of this.view.peers()) m.set(p.id, p)
    const now = Date.now()
    for (const h of [...this.hints.values(), ...this.discovered.values()]) {
      if (!m.has(h.id) && (this.backoff.get(h.id)?.until ?? 0) <= now) m.set(h.id, h)
    }
    m.set(this.self.id, this.self)
    return m
  }

  private scheduleReconcile(ms: number): void {
    if (this.reconcileTimer || !this.running) return
    this.reconcileTimer = setTimeout(() => {
      this.reconcileTimer = null
      this.reconcile()
    }, ms)
  }

  private reconcile(): void {
    if (!this.running) return
    const members = this.members()
    const targets = new Set(dialTargets(this.self.id, members.keys()))
    for (const [id, link] of this.links) {
      if (!targets.has(id)) {
        this.links.delete(id)
        link.retire()
      }
    }
    const now = Date.now()
    for (const id of targets) {
      if (this.links.has(id)) continue
      const wait = (this.backoff.get(id)?.until ?? 0) - now
      if (wait > 0) {
        this.scheduleReconcile(wait)
        continue
      }
      this.dial(members.get(id)!)
    }
  }

  private dial(target: PeerEntry): void {
    const link = new DirectoryLink({
      selfId: this.self.id,
      targetId: target.id,
      url: target.url,
      doc: this.doc,
      pingIntervalMs: this.o.pingIntervalMs,
      handshakeTimeoutMs: this.o.handshakeTimeoutMs,
      onUp: () => {
        this.backoff.delete(target.id)
        this.slow.delete(target.id)
        this.log.debug(`linked to ${target.name} (${target.url})`)
      },
      onDown: (l, reason) => {
        if (this.links.get(target.id) !== l) return
        this.links.delete(target.id)
        if (!this.running) return
        this.log.debug(`link to ${target.name} down: ${reason}`)
        void this.check(readPeer(this.doc, target.id) ?? target, reason, true)
      }
    })
    this.links.set(target.id, link)
  }

  /**
   * Probes a peer after a lost connection and evicts it if gone. `dialled`: the lost connection was our
   * own link, so a live peer is dialled again after a short, growing backoff.
   */
  private async check(entry: PeerEntry, why: string, dialled: boolean): Promise<void> {
    if (this.probing.has(entry.id) || entry.id === this.self.id) return
    this.probing.add(entry.id)
    try {
      const verdict = await probePeer(entry, { hostId: this.opts.hostId, timeoutMs: this.o.probeTimeoutMs })
      if (!this.running) return
      const prev = this.backoff.get(entry.id)?.failures ?? 0
      const strikes = verdict.alive === 'slow' ? (this.slow.get(entry.id) ?? 0) + 1 : 0
      if (strikes) this.slow.set(entry.id, strikes)
      else this.slow.delete(entry.id)
      if (verdict.alive === true || (verdict.alive === 'slow' && strikes < SLOW_STRIKES)) {
        if (verdict.alive === 'slow') this.log.debug(`${entry.name} is slow (${strikes}/${SLOW_STRIKES}): ${verdict.reason}`)
        if (dialled) this.setBackoff(entry.id, prev + 1, 100, 5000)
      } else {
        this.slow.delete(entry.id)
        // A dead peer's hint stays in servers.json while its pid lives (hung): dial it ever more rarely.
        this.setBackoff(entry.id, prev + 1, 1000, 30000)
        this.discovered.delete(entry.id)
        this.evict(entry, `${why}; ${verdict.reason}${strikes ? ` (${strikes} times in a row)` : ''}`)
      }
    } finally {
      this.probing.delete(entry.id)
    }
  }

  private setBackoff(id: string, failures: number, baseMs: number, maxMs: number): void {
    const delay = Math.min(maxMs, baseMs * 2 ** (failures - 1)) * (0.75 + Math.random() * 0.5)
    this.backoff.set(id, { until: Date.now() + delay, failures })
    this.scheduleReconcile(0)
  }

  private evict(entry: PeerEntry, reason: string): void {
    if (!this.map.has(entry.id)) return
    this.log.info(`evicting ${entry.name} (${entry.url}): ${reason}`)
    this.doc.transact(() => this.map.delete(entry.id), this)
  }

  /** Reconciles with servers.json and checks pids; runs again at once if asked while running. */
  sweep(): Promise<void> {
    if (this.sweeping) {
      this.sweepAgain = true
      return this.sweeping
    }
    this.sweeping = (async () => {
      do {
        this.sweepAgain = false
        try {
          await this.sweepOnce()
        } catch (err) {
          this.log.warn(`sweep failed: ${(err as Error).message}`)
        }
      } while (this.sweepAgain && this.running)
    })().finally(() => {
      this.sweeping = null
    })
    return this.sweeping
  }

  private async sweepOnce(): Promise<void> {
    if (!this.running) return
    const localDead = (p: PeerEntry) => p.id !== this.self.id && p.hostId === this.opts.hostId && !isProcessAlive(p)
    const { peers, problem } = await this.opts.registry.read()
    const listed = peers.find((p) => p.id === this.self.id)
    if (problem || !listed || peers.some(localDead)) {
      if (!listed && !problem) this.log.info('this peer was missing from servers.json; registering again')
      const after = await this.opts.registry.update((list) => {
        const keep = list.filter((p) => !localDead(p) && p.id !== this.self.id && p.url !== this.self.url)
        return [...keep, this.self]
      })
      this.hints = new Map(after.filter((p) => p.id !== this.self.id).map((p) => [p.id, p]))
    } else {
      this.hints = new Map(peers.filter((p) => p.id !== this.self.id).map((p) => [p.id, p]))
    }
    for (const p of this.view.peers()) if (localDead(p)) this.evict(p, 'process gone')
    for (const p of this.discovered.values()) if (localDead(p)) this.discovered.delete(p.id)
    if (!this.map.has(this.self.id)) this.publishSelf()
    this.reconcile()
  }

  /** Leaves the directory and servers.json, then closes every link. */
  async stop(): Promise<void> {
    if (!this.running) return
    this.running = false
    if (this.sweepTimer) clearInterval(this.sweepTimer)
    if (this.reconcileTimer) clearTimeout(this.reconcileTimer)
    this.watcher?.close()
    // Goodbyes first, while this peer still answers the probes they cause.
    await Promise.all((this.opts.discoveries ?? []).map((d) => d.stop().catch(() => {})))
    this.map.unobserve(this.onMapChange)
    this.doc.transact(() => this.map.delete(this.self.id), this)
    await Promise.all([...this.links.values()].map((l) => l.drain(300)))
    await this.sweeping?.catch(() => {})
    try {
      await this.opts.registry.remove(this.self.id)
    } catch (err) {
      this.log.warn(`could not remove this peer from servers.json: ${(err as Error).message}`)
    }
    for (const link of this.links.values()) link.close('shutting down')
    this.links.clear()
  }
}
