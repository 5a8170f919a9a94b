/**
 * The page's directory doc as a list of peers, and each change to it as what was added, removed or
 * changed: the Mesh turns those into its events.
 *
 * The list starts as a join's /registry answer (`seed`), before any doc; the live doc then arrives
 * into an empty doc, and an entry equal to the listed one is no change (both went through the same
 * parser, so equal entries serialize alike): events come only for what changed in between, never a
 * second `peer-added`. The doc and its view are built on first use, which is the first attach, in the
 * task after the list: not while a join's first request travels, when a fresh page's main thread is
 * better left to its answer (a Y.Doc was ~0.4 ms of cold code there, before it had a fixed guid;
 * interleaved A/B, 40 fresh pages: registry 6.9 -> 6.6 ms p50).
 */
import * as Y from 'yjs'
import { byId, DirectoryView, directoryMap, newDirectoryDoc } from '../shared/directory.js'
import type { PeerEntry } from '../shared/schema.js'

export interface ListChange {
  peers: PeerEntry[]
  added: PeerEntry[]
  removed: PeerEntry[]
  /** Whether anything a listener of `change` would see is different. */
  changed: boolean
}

export class DirectoryList {
  private dir: { doc: Y.Doc; view: DirectoryView } | null = null
  private destroyed = false
  /** What the page has been told: the seeded list, then each change. */
  private readonly known = new Map<string, PeerEntry>()

  constructor(private readonly onChange: (change: ListChange) => void) {}

  get doc(): Y.Doc {
    return this.directory().doc
  }

  /** The valid entry for `id` in the doc, or null. */
  get(id: string): PeerEntry | null {
    return this.directory().view.get(id)
  }

  /** Lists `peers` (a /registry answer) before any doc; returns the list sorted. */
  seed(peers: PeerEntry[]): PeerEntry[] {
    for (const p of peers) this.known.set(p.id, p)
    return [...this.known.values()].sort(byId)
  }

  /** A seeded peer, by id. */
  listed(id: string): PeerEntry | null {
    return this.known.get(id) ?? null
  }

  /**
   * Listed peers the synced doc lacks (one left meanwhile, or a failover's peer never knew it) leave
   * the list: no key of the doc changed for them, so no doc event told of them. Null when none.
   */
  dropUnlisted(): ListChange | null {
    const view = this.directory().view
    const removed = [...this.known.values()].filter((p) => !view.has(p.id))
    if (removed.length === 0) return null
    for (const p of removed) this.known.delete(p.id)
    return { peers: [...view.peers()], added: [], removed, changed: true }
  }

  destroy(): void {
    this.destroyed = true
    if (!this.dir) return
    directoryMap(this.dir.doc).unobserve(this.onDocChange)
    this.dir.view.destroy()
    this.dir.doc.destroy()
  }

  private directory(): { doc: Y.Doc; view: DirectoryView } {
    if (this.dir) return this.dir
    const doc = newDirectoryDoc()
    // The view observes first, so it is up to date when onDocChange reads it.
    this.dir = { doc, view: new DirectoryView(doc) }
    // Asked for after destroy(): a destroyed doc, as a list built eagerly would have had; no observer.
    if (this.destroyed) {
      this.dir.view.destroy()
      doc.destroy()
    } else directoryMap(doc).observe(this.onDocChange)
    return this.dir
  }

  private readonly onDocChange = (event: Y.YMapEvent<unknown>): void => {
    const view = this.directory().view
    const change: ListChange = { peers: [], added: [], removed: [], changed: false }
    for (const key of event.keysChanged) {
      const now = view.get(key)
      const before = this.known.get(key)
      if (now && !before) change.added.push(now)
      if (!now && before) change.removed.push(before)
      change.changed ||= (now ?? null) !== (before ?? null) && !(now && before && JSON.stringify(now) === JSON.stringify(before))
      if (now) this.known.set(key, now)
      else this.known.delete(key)
    }
    // What the page has been told, this change included: a seeded peer the first live doc lacks stays
    // listed until dropUnlisted() tells of its removal, so each list agrees with the events before it.
    change.peers = [...this.known.values()].sort(byId)
    this.onChange(change)
  }
}
