/**
 * This peer's own key in the directory doc: written at start, written back at once if anyone deletes or
 * changes it while this peer lives (a wrong eviction, or a writer that rewrote our url, heals itself
 * within the same tick), and deleted on the way out.
 */
import type * as Y from 'yjs'
import { directoryMap } from '../shared/directory.js'
import type { PeerEntry } from '../shared/schema.js'
import type { Logger } from './log.js'

export class SelfRegistration {
  private readonly map: Y.Map<unknown>
  private live = false
  /** The entry as published: the start-time entry plus later updates (name, agents). */
  private current: PeerEntry

  constructor(
    private readonly doc: Y.Doc,
    private readonly self: PeerEntry,
    private readonly log: Logger
  ) {
    this.map = directoryMap(doc)
    this.current = self
  }

  start(): void {
    this.live = true
    this.map.observe(this.onChange)
    this.publish()
  }

  /** Puts the entry back if it is missing or not ours (the sweep calls this as a backstop to the observer). */
  ensure(): void {
    if (this.live && !this.intact()) this.publish()
  }

  private intact(): boolean {
    return JSON.stringify(this.map.get(this.self.id)) === JSON.stringify(this.current)
  }

  /** Changes the published entry (the id stays); the browser and /registry see it at once. */
  update(patch: Partial<PeerEntry>): void {
    // A JSON round trip drops undefined fields, which Yjs would otherwise store as keys.
    const next = JSON.stringify({ ...this.current, ...patch, id: this.self.id })
    // Each write reaches every peer and every browser: one that changes nothing is not sent.
    if (next === JSON.stringify(this.current)) return
    this.current = JSON.parse(next) as PeerEntry
    this.publish()
  }

  private publish = (): void => {
    if (this.live) this.doc.transact(() => this.map.set(this.self.id, { ...this.current }), this)
  }

  private onChange = (event: Y.YMapEvent<unknown>): void => {
    if (!this.live || !event.keysChanged.has(this.self.id) || this.intact()) return
    this.log.warn(`this peer's directory entry was ${this.map.has(this.self.id) ? 'changed' : 'removed'} while it lives; putting it back`)
    // Not inside the observer: Yjs runs observers after the transaction, and a new one belongs outside.
    queueMicrotask(this.publish)
  }

  /** Deletes the entry; the update reaches every link before they close. */
  leave(): void {
    if (!this.live) return
    this.live = false
    this.map.unobserve(this.onChange)
    this.doc.transact(() => this.map.delete(this.self.id), this)
  }
}
