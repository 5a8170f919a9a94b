/**
 * The directory doc: one Y.Map, peer id -> PeerEntry (a plain JSON value). Each peer writes only its own
 * key; any peer may delete the key of a peer it has confirmed dead. A live peer that sees its own key
 * deleted writes it back, so a wrong eviction heals itself.
 */
import * as Y from 'yjs'
import { DIRECTORY_MAP } from './protocol.js'
import { parsePeerEntry, type PeerEntry } from './schema.js'

export const directoryMap = (doc: Y.Doc): Y.Map<unknown> => doc.getMap(DIRECTORY_MAP)

/** Valid entries only, sorted by id so every reader lists them in the same order. */
export const readPeers = (doc: Y.Doc): PeerEntry[] => {
  const out: PeerEntry[] = []
  directoryMap(doc).forEach((value, key) => {
    const entry = parsePeerEntry(value)
    if (entry && entry.id === key) out.push(entry)
  })
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

export const readPeer = (doc: Y.Doc, id: string): PeerEntry | null => {
  const entry = parsePeerEntry(directoryMap(doc).get(id))
  return entry && entry.id === id ? entry : null
}

/**
 * readPeers() validates every entry, O(N) per call. A view caches the result until the map changes, so
 * hot paths (each HTTP request's Origin check, /registry, each reconcile) pay it once per change.
 */
export class DirectoryView {
  private cached: PeerEntry[] | null = null
  private ids: Set<string> | null = null
  private readonly invalidate = () => {
    this.cached = null
    this.ids = null
  }

  constructor(private readonly doc: Y.Doc) {
    directoryMap(doc).observe(this.invalidate)
  }

  peers(): PeerEntry[] {
    return (this.cached ??= readPeers(this.doc))
  }

  /** Whether a valid entry for `id` is in the directory. */
  has(id: string): boolean {
    return (this.ids ??= new Set(this.peers().map((p) => p.id))).has(id)
  }

  destroy(): void {
    directoryMap(this.doc).unobserve(this.invalidate)
  }
}
