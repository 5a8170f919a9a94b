/**
 * A browser's live view of the mesh: one WebSocket (y-websocket's protocol) to one peer's _directory room (the
 * `current` peer), the directory doc it keeps in sync, and events as peers come and go. If `current`
 * dies, the same doc moves to another live peer, so the directory stays intact and every event fires
 * exactly once (events come from doc changes, never from a reconnect).
 */
import * as Y from 'yjs'
import { directoryMap, newDirectoryDoc } from '../shared/directory.js'
import { CLOSE_CODES, DIRECTORY_ROOM } from '../shared/protocol.js'
import type { PeerEntry } from '../shared/schema.js'
import { backoffMs, waitMs } from '../shared/backoff.js'
import { saveCache } from './discovery/cache.js'
import { NOT_PROVEN, type KeyProofs } from './discovery/key-proofs.js'
import type { SocketHolder } from './discovery/head-start.js'
import { firstHealthy, probeHealth, wsBase, type Found, type Reach, type Via } from './discovery/source.js'
import type { MeshDeps, MeshEvents, MeshTimings, StatusEvent } from './mesh-types.js'
import { DirectoryList, type ListChange } from './directory-list.js'
import { failoverCandidates } from './failover-candidates.js'
import { DirectoryReader } from './directory-reader.js'
import { ListenerSafeObservable } from './listener-safe.js'
import { mirrorMap } from './mirror.js'
import { openRoom, tokenProtocols, type OpenOptions, type RoomHandle } from './room-handle.js'

export type { OpenOptions, RoomHandle }
export type { MeshDeps, MeshEvents, MeshStatus, MeshTimings, StatusEvent } from './mesh-types.js'

export class Mesh extends ListenerSafeObservable<MeshEvents> {
  peers: PeerEntry[] = []
  current: PeerEntry | null = null
  status: StatusEvent['status'] = 'connecting'
  /** How the first peer was found ('' until joinMesh has one). */
  via: Via | '' = ''
  readonly timings: MeshTimings
  /** With the token: the peers that proved the mesh key (every source proves the one it finds); only they are shown it. */
  readonly proofs: KeyProofs | null
  private currentBase = ''
  private currentId = ''
  private reader: DirectoryReader | null = null
  /** Fails the attach in progress, if any: a dropped reader tells no hooks, so its attach is ended here. */
  private abandon: ((err: Error) => void) | null = null
  /** The doc `reader` syncs into: `this.doc`, or a failover's fresh doc that `this.doc` mirrors. */
  private wire: Y.Doc | null = null
  private failing = false
  /** Whether a peer's directory was ever attached: only the first syncs into `this.doc` itself. */
  private attached = false
  private destroyed = false
  private readonly life = new AbortController()
  private heartbeat: ReturnType<typeof setInterval> | null = null
  private saveTimer: ReturnType<typeof setTimeout> | null = null
  private readonly list = new DirectoryList((change) => this.onListChange(change))
  /**
   * The token the directory is read with: with it, entries name their rooms (a stranger's directory
   * does not). Dropped if a peer refuses it, so a stale token still lets the page read the directory.
   */
  private directoryToken: string | null
  private markLive!: () => void
  /**
   * Settles when the live directory doc has first synced (rejects if the mesh is destroyed before).
   * Until then `peers` is the list the first answering peer gave; after, the live doc's changes.
   */
  readonly live = new Promise<void>((resolve, reject) => {
    this.markLive = resolve
    this.life.signal.addEventListener('abort', () => reject(new Error('mesh destroyed')))
  })

  constructor(
    timings: MeshTimings,
    private readonly deps: MeshDeps
  ) {
    super()
    this.timings = timings
    this.directoryToken = deps.token
    this.proofs = deps.proofs
    this.live.catch(() => {})
  }

  /**
   * The directory doc the page's events come from (built on first use: directory-list.ts). Every
   * mesh's doc has the guid '_directory' (shared/directory.ts says why): do not key a store by it.
   */
  get doc(): Y.Doc {
    return this.list.doc
  }

  /**
   * Shows the whole mesh as `found` answered it (verified by the source) before any WebSocket; the live
   * directory attaches (`follow`) in the next task, after joinMesh's caller has the list. The list is not
   * written into the doc (that cost a cold page 3-5 ms): the live doc arrives into it, and only what
   * changed meanwhile is told (directory-list.ts).
   */
  seed(found: Found & { peers: PeerEntry[] }, follow: () => void): void {
    this.peers = this.list.seed(found.peers)
    this.currentBase = found.url
    this.currentId = found.id
    this.current = this.list.listed(found.id)
    setTimeout(follow, 0)
  }

  /**
   * Attaches the live directory behind the seeded list; if that fails, fails over as a lost peer would.
   * `early`: the join's head starts, one of whose sockets to `found` may already carry the directory.
   */
  follow(found: Found, timeoutMs: number, early: SocketHolder | null = null): void {
    if (this.destroyed) return void early?.close()
    this.attach(found, timeoutMs, early).catch((err: Error) => void this.failover(err.message))
  }

  /**
   * Follows a peer's directory; resolves when synced, rejects if the socket fails first. The first peer
   * syncs straight into `this.doc` (empty yet); a later one (failover) into a fresh wire doc that
   * `this.doc` mirrors, so entries it lacks leave the view too. Events come once each, from `this.doc`.
   */
  attach(found: Found, timeoutMs: number, early: SocketHolder | null = null): Promise<void> {
    if (this.proofs?.disowned) this.directoryToken = null
    // A head start's socket, when one asked this peer (a page with the token opens none); the rest closed.
    const handed = early?.adopt(found.url) ?? null
    early?.close()
    if (this.directoryToken && !this.proofs?.isProven(found.url)) return Promise.reject(new Error(`${found.url}: ${NOT_PROVEN}`))
    this.dropReader()
    const mirrored = this.attached
    this.attached = true
    const protocols = this.directoryToken ? tokenProtocols(this.directoryToken) : []
    this.currentBase = found.url
    this.currentId = found.id
    return new Promise<void>((resolve, reject) => {
      // The socket first, so that its handshake runs while the page's doc is built (on first use).
      const reader = new DirectoryReader(handed ?? `${wsBase(this.deps.reach(found.url))}/${DIRECTORY_ROOM}`, protocols, { onSynced: () => synced(), onClosed: (code, why) => closed(code, why) })
      this.reader = reader
      const wire = mirrored ? newDirectoryDoc() : this.doc
      let done = false
      const mirror = () => {
        if (this.reader === reader && reader.synced) mirrorMap(directoryMap(wire), directoryMap(this.doc))
      }
      const timer = setTimeout(() => fail(new Error(`${found.url}: directory did not sync within ${timeoutMs} ms`)), timeoutMs)
      const fail = (err: Error) => {
        if (done) return
        done = true
        clearTimeout(timer)
        if (this.abandon === fail) this.abandon = null
        if (this.reader === reader) this.dropReader()
        reject(err)
      }
      const synced = () => {
        if (done) return
        try {
          if (mirrored) mirror()
        } catch (err) {
          // Not left pending: a failover that never settled would stop every later one (`failing`).
          return fail(new Error(`${found.url}: its directory could not be copied into the page's (${(err as Error).message})`))
        }
        // A listener of the mirror's events may have destroyed the mesh, which ended this attach.
        if (done) return
        done = true
        clearTimeout(timer)
        if (this.abandon === fail) this.abandon = null
        const unlisted = this.list.dropUnlisted()
        if (unlisted) this.onListChange(unlisted)
        this.current = this.list.get(found.id)
        if (Number.isNaN(this.timings.directorySynced)) this.timings.directorySynced = performance.now() - this.deps.startedAt
        this.markLive()
        this.setStatus({ status: 'connected', detail: found.url })
        resolve()
      }
      const closed = (code: number | null, why: string) => {
        if (code === CLOSE_CODES.accessToken) this.directoryToken = null
        // 1006: the socket never opened, or dropped without a close frame.
        if (!done) return fail(new Error(`${found.url}: ${code === 1006 ? 'could not connect' : `connection closed before the directory synced (${why})`}`))
        if (this.reader === reader) void this.failover(`lost ${found.url}`)
      }
      this.abandon = fail
      this.wire = wire
      if (mirrored) directoryMap(wire).observe(mirror)
      // Last: an adopted socket's frames are read here, and may sync (or close) it at once.
      reader.readInto(wire)
    })
  }

  /** Starts the heartbeat that catches a hung `current` (a stopped process keeps its socket open). */
  start(): void {
    this.heartbeat = setInterval(() => {
      if (this.failing || this.destroyed || !this.currentBase) return
      const url = this.currentBase
      probeHealth(url, this.life.signal, this.deps.probeTimeoutMs * 4, this.deps.reach).catch(() => {
        if (this.currentBase === url && !this.failing) void this.failover(`${url} stopped answering`)
      })
    }, this.deps.heartbeatMs)
  }

  private onListChange({ peers, added, removed, changed }: ListChange): void {
    this.peers = peers
    if (this.currentId) this.current = this.list.get(this.currentId) ?? this.current
    for (const p of removed) this.emit('peer-removed', [p])
    for (const p of added) this.emit('peer-added', [p])
    if (changed) this.emit('change', [peers])
    this.scheduleSave()
  }

  private scheduleSave(): void {
    if (!this.deps.cacheKey || this.saveTimer) return
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null
      if (this.peers.length === 0) return
      saveCache(this.deps.cacheKey!, { current: this.currentBase || null, urls: this.peers.map((p) => p.url), savedAt: Date.now() })
    }, 50)
  }

  private setStatus(event: StatusEvent): void {
    if (this.destroyed && event.status !== 'destroyed') return
    this.status = event.status
    this.emit('status', [event])
  }

  /**
   * Moves the directory to another live peer: first any peer the directory names that answers /health
   * (up to 16 of them, failover-candidates.ts), else a fresh discovery; when nothing answers, retries
   * with capped, jittered backoff.
   */
  private async failover(reason: string): Promise<void> {
    if (this.failing || this.destroyed) return
    this.failing = true
    const t0 = performance.now()
    const lost = this.currentBase
    this.proofs?.forget(lost)
    this.dropReader()
    this.setStatus({ status: 'reconnecting', detail: reason })
    for (let attempt = 0; !this.destroyed; attempt++) {
      const candidates = failoverCandidates(this.peers.map((p) => p.url), lost, attempt)
      let found: Found | null = null
      try {
        found = await firstHealthy(candidates, this.life.signal, this.deps.probeTimeoutMs, this.deps.reach, this.proofs)
      } catch {
        found = await this.deps.rediscover(this.life.signal).catch(() => null)
      }
      if (found && !this.destroyed) {
        try {
          await this.attach(found, 3000)
          this.timings.failovers.push(performance.now() - t0)
          this.failing = false
          return
        } catch {
          // That peer died between answering and syncing: go round again (it proves the key again first).
          this.proofs?.forget(found.url)
        }
      }
      if (this.destroyed) break
      const wait = backoffMs(attempt, 250, 5000)
      this.setStatus({ status: 'offline', detail: 'no peer answered', retryInMs: wait, attempt })
      // Cut short by destroy(), which leaves no timer behind.
      await waitMs(wait, this.life.signal)
    }
    this.failing = false
  }

  /**
   * A Y.Doc for `room` on a peer (default: current), with a y-websocket provider. If that peer leaves the
   * directory, the room moves to the mesh's current peer with the same doc. `persist: true` also keeps
   * the doc in IndexedDB (y-indexeddb), so a reload shows it before any network.
   */
  open(room: string, options: OpenOptions = {}): RoomHandle {
    return openRoom(this, room, options)
  }

  /** The access token rooms are opened with, if the page has one. */
  get token(): string | null {
    return this.deps.token
  }

  /** How this page reaches a peer's URL: directly, or through the Vite plugin's relay. */
  get reach(): Reach {
    return this.deps.reach
  }

  /** The base URL of the peer the directory is read from ('' while none). */
  get currentUrl(): string {
    return this.currentBase
  }

  private dropReader(): void {
    const abandon = this.abandon
    this.abandon = null
    abandon?.(new Error(`${this.currentBase}: left before the directory synced`))
    this.reader?.destroy()
    this.reader = null
    if (this.wire && this.wire !== this.doc) this.wire.destroy()
    this.wire = null
  }

  override destroy(): void {
    if (this.destroyed) return
    this.destroyed = true
    this.life.abort()
    if (this.heartbeat) clearInterval(this.heartbeat)
    if (this.saveTimer) clearTimeout(this.saveTimer)
    this.dropReader()
    this.setStatus({ status: 'destroyed' })
    super.destroy()
    this.list.destroy()
  }
}
