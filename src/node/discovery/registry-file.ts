/**
 * servers.json as a discovery source, like mDNS: this peer registers itself there, and every other
 * entry is a hint the mesh confirms over /health before dialling it. Each sweep (every second, and at
 * once when the file changes) re-reads the file, prunes entries of dead processes on this machine and
 * every entry of another machine (or an earlier boot: a hostId not ours), and registers this peer again
 * if its entry went missing. servers.json is a per-machine file: its pids mean nothing elsewhere, and a
 * file carried over from another machine would otherwise be hinted and kept for ever. An entry that
 * leaves the file is reported lost, so the mesh probes it (a pruned peer is gone from the directory
 * within one sweep).
 *
 * Cost per sweep: one read of a file of N entries, N /proc reads; a write only when something changed.
 */
import { watch, type FSWatcher } from 'node:fs'
import type { PeerEntry } from '../../shared/schema.js'
import type { Logger } from '../log.js'
import { isProcessAlive } from '../process-identity.js'
import type { RegistryFile } from '../registry-file.js'
import type { HintSink, NodeDiscovery } from './hint.js'

export interface RegistryFileDiscoveryOptions {
  registry: RegistryFile
  self: PeerEntry
  hostId: string
  log: Logger
  intervalMs?: number
}

/** How long a starting peer waits for the servers.json lock before it carries on and lets the sweep register it. */
const START_LOCK_TIMEOUT_MS = 30_000

export class RegistryFileDiscovery implements NodeDiscovery {
  readonly name = 'registry-file'
  private sink: HintSink | null = null
  private listed = new Map<string, PeerEntry>()
  private sweeping: Promise<void> | null = null
  private sweepAgain = false
  private timer: NodeJS.Timeout | null = null
  private watcher: FSWatcher | null = null

  constructor(private readonly opts: RegistryFileDiscoveryOptions) {}

  async start(sink: HintSink): Promise<void> {
    this.sink = sink
    try {
      // 40 peers starting at once on 2 cores queue for the lock for several seconds (each holder needs
      // CPU it shares with 39 others; measured 8.7-8.9 s to all ready on Node 20.15 and 20.20). The first
      // registration is worth that wait; the sweep's later writes keep the short default.
      await this.opts.registry.upsert(this.opts.self, START_LOCK_TIMEOUT_MS)
    } catch (err) {
      // Not fatal: the sweep registers this peer again every second, and mDNS or peers that already
      // know it still join it meanwhile.
      this.opts.log.warn(`could not register in servers.json yet (${(err as Error).message}); retrying every second`)
    }
    await this.sweep()
    this.timer = setInterval(() => void this.sweep(), this.opts.intervalMs ?? 1000)
    try {
      this.watcher = watch(this.opts.registry.home, (_event, file) => {
        if (file === 'servers.json') void this.sweep()
      })
      this.watcher.on('error', () => this.watcher?.close())
    } catch {
      // No inotify (or a filesystem without it): the periodic sweep still sees every change.
    }
  }

  /** One sweep at a time; a sweep asked for while one runs runs once more after it. Never rejects. */
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
          this.opts.log.warn(`servers.json sweep failed: ${(err as Error).message}`)
        }
      } while (this.sweepAgain && this.sink)
    })().finally(() => (this.sweeping = null))
    return this.sweeping
  }

  private isForeign = (p: PeerEntry): boolean => p.hostId !== this.opts.hostId

  private isStale = (p: PeerEntry): boolean => p.id !== this.opts.self.id && (this.isForeign(p) || !isProcessAlive(p))

  private async sweepOnce(): Promise<void> {
    if (!this.sink) return
    const { self, registry, log } = this.opts
    let { peers, problem } = await registry.read()
    const listed = peers.some((p) => p.id === self.id)
    if (problem || !listed || peers.some(this.isStale)) {
      if (!listed && !problem) log.info('this peer was missing from servers.json; registering again')
      const foreign = peers.filter(this.isForeign).length
      if (foreign) log.info(`pruning ${foreign} entr${foreign === 1 ? 'y' : 'ies'} of another machine or boot from servers.json (it lists this machine's peers only)`)
      peers = await registry.update((list) => [...list.filter((p) => !this.isStale(p) && p.id !== self.id && p.url !== self.url), self])
    }
    const next = new Map(peers.filter((p) => p.id !== self.id).map((p) => [p.id, p]))
    const sink = this.sink
    if (!sink) return
    for (const [id, p] of this.listed) if (!next.has(id)) sink.lost({ id, url: p.url, source: 'registry-file' })
    for (const p of next.values()) sink.found({ id: p.id, url: p.url, source: 'registry-file', entry: p })
    this.listed = next
  }

  /** Stops sweeping and removes this peer from the file. */
  async stop(): Promise<void> {
    this.sink = null
    if (this.timer) clearInterval(this.timer)
    this.watcher?.close()
    await this.sweeping?.catch(() => {})
    try {
      await this.opts.registry.remove(this.opts.self.id)
    } catch (err) {
      this.opts.log.warn(`could not remove this peer from servers.json: ${(err as Error).message}`)
    }
  }
}
