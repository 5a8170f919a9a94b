/**
 * One doc per room name across the mesh. Each room has home peers (topology.ts `roomHomes`: the first
 * HOMES_PER_ROOM peers after the room's place on the directory's id ring). A peer with interest in a room
 * (a client connected to it here, or this peer's own agent wrote it) links to each of its homes but
 * itself; a home relays between every peer linked to it, as the room server relays between clients, and
 * keeps the room while any link or client is there. So an edit through any peer reaches every other in
 * at most two hops, at least two peers hold a room while two are alive, and a room nobody uses costs
 * no link and no timer here (its homes drop it when the last link goes; it stays on disk).
 *
 * Links are DirectoryLinks on the room's path: the same mesh-key handshake, keepalive and wire. A link
 * that falls is dialled again after a backoff (shared/backoff.ts) while the interest lasts; a home that
 * leaves the directory is replaced by the next peer on the ring, and Yjs sync fills it in.
 */
import { backoffMs } from '../shared/backoff.js'
import { directoryMap, type DirectoryView } from '../shared/directory.js'
import type { PeerEntry } from '../shared/schema.js'
import { openLink, type DirectoryLink } from './directory-link.js'
import type { Keepalive } from './keepalive.js'
import type { Logger } from './log.js'
import type { RoomServer } from './room-server.js'
import { roomHomes } from './topology.js'
import { urlInScope, type Scope } from './url-scope.js'

const ROOM_LINK_HANDSHAKE_MS = 10_000

export interface RoomLinksOptions {
  selfId: string
  rooms: RoomServer
  view: DirectoryView
  key: Buffer
  keepalive: Keepalive
  scope: Scope
  log: Logger
}

interface Retry {
  failures: number
  timer: NodeJS.Timeout | null
}

interface Linked {
  links: Map<string, DirectoryLink>
  retries: Map<string, Retry>
}

export class RoomLinks {
  private readonly linked = new Map<string, Linked>()
  private membership = ''
  private running = false
  private queued = false

  constructor(private readonly opts: RoomLinksOptions) {}

  start(): void {
    this.running = true
    this.opts.rooms.on('interest-changed', this.reconcile)
    directoryMap(this.opts.rooms.directory.doc).observe(this.onDirectory)
  }

  /** The peers `room` lives on, by the current directory. */
  homes(room: string): string[] {
    return roomHomes(room, this.opts.view.peers().map((p) => p.id).concat(this.opts.selfId))
  }

  /** Outbound room links that are up (each is one socket and one keepalive ping a second). */
  outboundCount(): number {
    let n = 0
    for (const l of this.linked.values()) for (const link of l.links.values()) if (link.up) n++
    return n
  }

  /** Room links still connecting. */
  connectingCount(): number {
    let n = 0
    for (const l of this.linked.values()) for (const link of l.links.values()) if (!link.up) n++
    return n
  }

  /** Dials waiting on a retry timer: each is one pending timer, and there are none for a room nobody uses. */
  retryCount(): number {
    let n = 0
    for (const l of this.linked.values()) for (const r of l.retries.values()) if (r.timer) n++
    return n
  }

  /**
   * Whether every home `name` calls for is linked with nothing left unsent: what this peer wrote has
   * left for them. An agent's room is not let go before this (room-server.ts `pin`).
   */
  settled(name: string): boolean {
    const links = this.linked.get(name)?.links
    for (const id of this.targets(name).keys()) {
      const link = links?.get(id)
      if (!link?.up || link.buffered > 0) return false
    }
    return true
  }

  /** Membership changed (not just an entry's name or rooms): every linked or interested room is checked. */
  private onDirectory = (): void => {
    const ids = this.opts.view.peers().map((p) => p.id).sort().join(',')
    if (ids === this.membership || this.queued) return
    this.membership = ids
    this.queued = true
    queueMicrotask(() => {
      this.queued = false
      for (const name of new Set([...this.linked.keys(), ...this.opts.rooms.rooms.keys()])) this.reconcile(name)
    })
  }

  /** Makes this peer's links for `name` equal to what its interest and the room's homes call for. */
  reconcile = (name: string): void => {
    if (!this.running || name === this.opts.rooms.directory.name) return
    const want = this.targets(name)
    const l = this.linked.get(name) ?? { links: new Map(), retries: new Map() }
    for (const [id, link] of l.links) if (!want.has(id)) (l.links.delete(id), link.retire())
    for (const [id, r] of l.retries) if (!want.has(id)) (l.retries.delete(id), r.timer && clearTimeout(r.timer))
    for (const [id, entry] of want) if (!l.links.has(id) && !l.retries.get(id)?.timer) this.dial(name, l, entry)
    if (l.links.size === 0 && l.retries.size === 0) this.linked.delete(name)
    else this.linked.set(name, l)
  }

  private targets(name: string): Map<string, PeerEntry> {
    const out = new Map<string, PeerEntry>()
    if (!this.opts.rooms.interested(name)) return out
    const byId = new Map(this.opts.view.peers().map((p) => [p.id, p]))
    for (const id of this.homes(name)) {
      const entry = byId.get(id)
      if (id !== this.opts.selfId && entry && urlInScope(entry.url, this.opts.scope)) out.set(id, entry)
    }
    return out
  }

  private dial(name: string, l: Linked, target: PeerEntry): void {
    const room = this.opts.rooms.rooms.get(name)
    if (!room) return
    const link = openLink({
      selfId: this.opts.selfId,
      targetId: target.id,
      url: target.url,
      room: name,
      doc: room.doc,
      key: this.opts.key,
      keepalive: this.opts.keepalive,
      overLimit: (frame) => this.opts.rooms.overLimit(room, frame)?.reason ?? null,
      // Not the directory's 2 s: a room link decides no liveness (the directory does), and when many
      // rooms open at once on a loaded machine a short timeout failed handshakes the far peer was
      // about to answer, and every retry added to the load that had delayed it.
      handshakeTimeoutMs: ROOM_LINK_HANDSHAKE_MS,
      onUp: () => l.retries.delete(target.id),
      onDown: (down, reason) => {
        if (l.links.get(target.id) !== down) return
        l.links.delete(target.id)
        if (!this.running) return
        this.opts.log.debug(`room ${name}: link to ${target.name} down: ${reason}`)
        this.retryLater(name, l, target.id)
      }
    }, this.opts.log)
    if (!link) return this.retryLater(name, l, target.id)
    l.links.set(target.id, link)
  }

  /** Dials again after a backoff, while the interest lasts (reconcile drops the retry otherwise). */
  private retryLater(name: string, l: Linked, id: string): void {
    const r = l.retries.get(id) ?? { failures: 0, timer: null }
    l.retries.set(id, r)
    r.timer = setTimeout(() => {
      r.timer = null
      r.failures++
      this.reconcile(name)
    }, backoffMs(r.failures, 100, 5000))
    this.linked.set(name, l)
  }

  /** Hands every link's queued bytes to the kernel (up to maxMs), then closes them all. */
  async stop(maxMs: number): Promise<void> {
    this.running = false
    this.opts.rooms.off('interest-changed', this.reconcile)
    directoryMap(this.opts.rooms.directory.doc).unobserve(this.onDirectory)
    const links = [...this.linked.values()].flatMap((l) => {
      for (const r of l.retries.values()) if (r.timer) clearTimeout(r.timer)
      return [...l.links.values()]
    })
    this.linked.clear()
    await Promise.all(links.map((link) => link.drain(maxMs)))
    for (const link of links) link.close('shutting down')
  }
}
