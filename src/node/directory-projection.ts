/**
 * What a stranger may see of the directory: a read-only Y.Doc that mirrors the real one minus the room
 * names each entry carries (`rooms`, `storedRooms`). A stranger's `_directory` socket syncs against this
 * doc, so no room name ever reaches it, while people and peers get the real doc.
 * It is kept up to date key by key from the real map's events, O(changed keys) per change, and a key
 * whose projection did not change (say, only its rooms did) is not written, so strangers see no churn.
 */
import * as Y from 'yjs'
import { directoryMap } from '../shared/directory.js'
import { canonicalJson, portable } from '../shared/directory-value.js'

/** The fields of an entry that name rooms. */
const ROOM_FIELDS = ['rooms', 'storedRooms']

/** An entry as a stranger sees it; anything that is not an entry object passes as it is (the guard removes it). */
export const withoutRooms = <T>(value: T): T => {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value
  if (!ROOM_FIELDS.some((f) => f in value)) return value
  const out = { ...(value as Record<string, unknown>) }
  for (const f of ROOM_FIELDS) delete out[f]
  return out as T
}

export class DirectoryProjection {
  readonly doc = new Y.Doc()
  private readonly source: Y.Map<unknown>
  private readonly target: Y.Map<unknown>
  /** The JSON last written under each key, so an unchanged projection is not written again. */
  private readonly written = new Map<string, string>()

  /** Follows `real` for as long as it lives: a destroyed doc fires no more events. */
  constructor(real: Y.Doc) {
    this.source = directoryMap(real)
    this.target = directoryMap(this.doc)
    this.copy(this.source.keys())
    this.source.observe((event) => this.copy(event.keysChanged))
  }

  private copy(keys: Iterable<string>): void {
    this.doc.transact(() => {
      for (const key of keys) {
        if (!this.source.has(key)) {
          this.written.delete(key)
          if (this.target.has(key)) this.target.delete(key)
          continue
        }
        const value = portable(withoutRooms(this.source.get(key)))
        const json = canonicalJson(value)
        if (this.written.get(key) === json) continue
        this.written.set(key, json)
        this.target.set(key, value)
      }
    }, this)
  }
}
