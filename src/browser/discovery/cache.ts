/**
 * Last-known peers in localStorage, one record per mesh (host + port range): their URLs, the page's
 * last current peer first. A cached peer is only a hint: it is used once it has answered /registry,
 * and the list the page shows is that answer, never the cache (so a cached peer that has since died is
 * never shown as live). localStorage rather than IndexedDB: the read is synchronous, so the cached
 * peer is asked before anything else leaves; opening IndexedDB in a fresh page held that request back
 * by 5-7 ms. The record is a few hundred bytes.
 */
import * as z from 'zod/mini'
import { peerUrlSchema } from '../../shared/schema.js'
import { firstRegistry, type DiscoverySource } from './source.js'

/** How long the last current peer is asked alone; a dead one is refused in ~1 ms and frees the rest at once. */
const CACHE_STAGGER_MS = 50
/** More URLs than any mesh here has peers; a bigger record is not ours. */
const MAX_URLS = 256
const storageKey = (key: string): string => `peer-plan:last-known:${key}`

export interface CachedMesh {
  /** The peer the page last followed, if any. */
  current: string | null
  /** The base URLs of every peer the page last knew. */
  urls: string[]
  savedAt: number
}

const recordSchema = z.object({ current: z.optional(z.unknown()), urls: z.array(z.unknown()).check(z.maxLength(MAX_URLS)) })

// One parse per page: zod's compiled fast path would cost more than it saves (jitless).
const asUrl = (value: unknown): string | null => (peerUrlSchema.safeParse(value, { jitless: true }).success ? (value as string) : null)

/** localStorage, or null where a page has none (a sandboxed frame, a worker) or may not use it. */
const storage = (): Storage | null => {
  try {
    return globalThis.localStorage ?? null
  } catch {
    return null
  }
}

/** The URLs to ask for `key`, the page's last current peer first; [] when nothing usable is cached. */
export const loadCachedUrls = (key: string): string[] => {
  let parsed: ReturnType<typeof recordSchema.safeParse>
  try {
    parsed = recordSchema.safeParse(JSON.parse(storage()?.getItem(storageKey(key)) ?? 'null'), { jitless: true })
  } catch {
    return []
  }
  if (!parsed.success) return []
  const urls = [asUrl(parsed.data.current), ...parsed.data.urls.map(asUrl)]
  return [...new Set(urls.filter((u): u is string => u !== null))]
}

/** Remembers the mesh for the next page; a full or forbidden storage just means no cache. */
export const saveCache = (key: string, value: CachedMesh): void => {
  try {
    storage()?.setItem(storageKey(key), JSON.stringify({ ...value, urls: value.urls.slice(0, MAX_URLS) }))
  } catch {
    // QuotaExceededError or SecurityError: the cache is only a hint.
  }
}

export const cacheSource = (key: string, timeoutMs: number): DiscoverySource => ({
  via: 'cache',
  find(signal) {
    const urls = loadCachedUrls(key)
    if (urls.length === 0) return Promise.reject(new Error('no cached peers'))
    // The page's last peer first, alone for a moment: it is very likely still alive.
    return firstRegistry(urls, signal, timeoutMs, CACHE_STAGGER_MS)
  }
})
