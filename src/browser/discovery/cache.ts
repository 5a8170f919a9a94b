/**
 * Last-known peers in IndexedDB, one record per mesh (host + port range). A cached peer is only a hint:
 * it is used once it has answered /registry, and the list the page shows is that answer, never the
 * cached one (so a cached peer that has since died is never shown as live).
 */
import { parsePeerEntry, type PeerEntry } from '../../shared/schema.js'
import { firstRegistry, type DiscoverySource } from './source.js'

const DB = 'peer-plan'
/** How long the last current peer is asked alone; a dead one is refused in ~1 ms and frees the rest at once. */
const CACHE_STAGGER_MS = 50
const STORE = 'last-known'

export interface CachedMesh {
  current: string | null
  peers: PeerEntry[]
  savedAt: number
}

const openAt = (version?: number): Promise<IDBDatabase> =>
  new Promise((resolve, reject) => {
    const req = version === undefined ? indexedDB.open(DB) : indexedDB.open(DB, version)
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE)
    }
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error ?? new Error('IndexedDB unavailable'))
    req.onblocked = () => reject(new Error('IndexedDB upgrade blocked by another tab'))
  })

/**
 * Opens the database at whatever version it has. If the store is missing (someone else opened a
 * 'peer-plan' database first and made none), upgrade one version to create it rather than fail forever.
 */
const openDb = async (): Promise<IDBDatabase> => {
  const db = await openAt()
  if (db.objectStoreNames.contains(STORE)) return db
  const next = db.version + 1
  db.close()
  return openAt(next)
}

const run = async <T>(mode: IDBTransactionMode, fn: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> => {
  const db = await openDb()
  try {
    return await new Promise<T>((resolve, reject) => {
      const req = fn(db.transaction(STORE, mode).objectStore(STORE))
      req.onsuccess = () => resolve(req.result)
      req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'))
    })
  } finally {
    db.close()
  }
}

export const loadCache = async (key: string): Promise<CachedMesh | null> => {
  const raw = (await run('readonly', (s) => s.get(key))) as Partial<CachedMesh> | undefined
  if (!raw || !Array.isArray(raw.peers)) return null
  const peers = raw.peers.map(parsePeerEntry).filter((p): p is PeerEntry => p !== null)
  return { current: typeof raw.current === 'string' ? raw.current : null, peers, savedAt: Number(raw.savedAt) || 0 }
}

export const saveCache = (key: string, value: CachedMesh): Promise<unknown> => run('readwrite', (s) => s.put(value, key))

export const cacheSource = (key: string, timeoutMs: number): DiscoverySource => ({
  via: 'cache',
  async find(signal) {
    let cached: CachedMesh | null
    try {
      cached = await loadCache(key)
    } catch (err) {
      throw new Error(`IndexedDB: ${(err as Error).message}`)
    }
    if (!cached || cached.peers.length === 0) throw new Error('no cached peers')
    const urls = [...new Set([...(cached.current ? [cached.current] : []), ...cached.peers.map((p) => p.url)])]
    // The page's last peer first, alone for a moment: it is very likely still alive.
    return firstRegistry(urls, signal, timeoutMs, CACHE_STAGGER_MS)
  }
})
