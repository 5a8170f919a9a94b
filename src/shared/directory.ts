/**
 * The directory doc: one Y.Map, peer id -> PeerEntry (a plain JSON value). Each peer writes only its own
 * key; any peer may delete the key of a peer it has confirmed dead. A live peer that sees its own key
 * deleted writes it back, so a wrong eviction heals itself.
 */
import * as Y from 'yjs'
import { DIRECTORY_MAP, DIRECTORY_ROOM } from './protocol.js'
import { checkPeerEntry as parsePeerEntry } from './entry-check.js'
import type { PeerEntry } from './schema.js'

export const directoryMap = (doc: Y.Doc): Y.Map<unknown> => doc.getMap(DIRECTORY_MAP)

/**
 * A page's directory doc. Its guid is given because Y.Doc would otherwise draw a uuidv4 with 31 calls
 * to crypto.getRandomValues, which a fresh page runs cold; with a join's two docs (the page's and the
 * warm-up's) built this way, the live attach came 1.2-1.5 ms sooner (interleaved A/B, 40 fresh pages,
 * three runs: registry 19.5 -> 18.3 and 18.9 -> 17.6 ms p50, cached 20.2 -> 18.7). yjs reads a guid
 * only for subdocuments, which the directory has none of; the peers use a doc per room and keep theirs.
 */
export const newDirectoryDoc = (): Y.Doc => new Y.Doc({ guid: DIRECTORY_ROOM })

/** Directory order: by id, so every reader lists peers the same way. */
export const byId = (a: PeerEntry, b: PeerEntry): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

/** Valid entries only, sorted by id so every reader lists them in the same order. */
export const readPeers = (doc: Y.Doc): PeerEntry[] => {
  const out: PeerEntry[] = []
  directoryMap(doc).forEach((value, key) => {
    const entry = parsePeerEntry(value)
    if (entry && entry.id === key) out.push(entry)
  })
  return out.sort(byId)
}

export const readPeer = (doc: Y.Doc, id: string): PeerEntry | null => {
  const entry = parsePeerEntry(directoryMap(doc).get(id))
  return entry && entry.id === id ? entry : null
}

/**
 * readPeers() validates every entry, O(N) per call. A view keeps the valid entries and re-validates only
 * the keys a change touched, so a change costs O(changed) and hot paths (each HTTP request's Origin
 * check, /registry, each reconcile) read a cached list: during a cold start of N peers the map changes
 * O(N) times on every peer, which made whole-map validation O(N^2) per peer.
 */
export class DirectoryView {
  private readonly map: Y.Map<unknown>
  private readonly entries = new Map<string, PeerEntry>()
  private sorted: PeerEntry[] | null = null
  private readonly onChange = (event: Y.YMapEvent<unknown>) => {
    for (const key of event.keysChanged) this.apply(key)
    this.sorted = null
  }

  constructor(doc: Y.Doc) {
    this.map = directoryMap(doc)
    this.map.forEach((_value, key) => this.apply(key))
    this.map.observe(this.onChange)
  }

  private apply(key: string): void {
    const entry = parsePeerEntry(this.map.get(key))
    if (entry && entry.id === key) this.entries.set(key, entry)
    else this.entries.delete(key)
  }

  peers(): PeerEntry[] {
    return (this.sorted ??= [...this.entries.values()].sort(byId))
  }

  /** Whether a valid entry for `id` is in the directory. */
  has(id: string): boolean {
    return this.entries.has(id)
  }

  /** The valid entry for `id`, or null. */
  get(id: string): PeerEntry | null {
    return this.entries.get(id) ?? null
  }

  destroy(): void {
    this.map.unobserve(this.onChange)
  }
}
