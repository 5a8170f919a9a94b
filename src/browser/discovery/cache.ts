/**
 * Last-known peers in localStorage, one record per mesh (host + port range): their URLs, the page's
 * last current peer first. A cached peer is only a hint: it is used once it has answered /registry,
 * and the list the page shows is that answer, never the cache (so a cached peer that has since died is
 * never shown as live). localStorage rather than IndexedDB: the read is synchronous, so the cached
 * peer is asked before anything else leaves; opening IndexedDB in a fresh page held that request back
 * by 5-7 ms. The record is a few hundred bytes. Its URLs get the same rule as entries' urls
 * (isPeerUrl, entry-check.ts), each only once it is about to be asked: the head start's one first
 * (firstCachedUrl), the others in the cache source, which runs only if the head start failed or is
 * late. In a fresh page, checking all eleven of a 10-peer record before the first request held that
 * request back 0.2 ms (5 us marks, 40 pages): the pattern's first runs compile it.
 */
import { isPeerUrl } from '../../shared/entry-check.js'
import type { AnswerTaker } from './head-start.js'
import type { KeyProofs } from './key-proofs.js'
import { firstRegistry, type DiscoverySource } from './source.js'

/** How long the last current peer is asked alone; a dead one is refused in ~1 ms and frees the rest at once. */
export const CACHE_STAGGER_MS = 50
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

/** localStorage, or null where a page has none (a sandboxed frame, a worker) or may not use it. */
const storage = (): Storage | null => {
  try {
    return globalThis.localStorage ?? null
  } catch {
    return null
  }
}

/** The URLs cached for `key`, not yet checked, the page's last current peer first; [] without a usable record. */
export const loadCachedUrls = (key: string): readonly unknown[] => {
  let record: unknown
  try {
    record = JSON.parse(storage()?.getItem(storageKey(key)) ?? 'null')
  } catch {
    return []
  }
  if (typeof record !== 'object' || record === null) return []
  const { current, urls } = record as { current?: unknown; urls?: unknown }
  if (!Array.isArray(urls) || urls.length > MAX_URLS) return []
  return [current, ...urls]
}

/**
 * The first of `cached` that is a peer's URL, the last current peer if it is one: the head start's, and
 * so the cache source's first. A loopback peer's URL, nearly always the last current peer's, passes the
 * rule on a comparison (entry-check.ts), before the pattern's first run could hold the request back.
 */
export const firstCachedUrl = (cached: readonly unknown[]): string | null => cached.find(isPeerUrl) ?? null

/** Remembers the mesh for the next page; a full or forbidden storage just means no cache. */
export const saveCache = (key: string, value: CachedMesh): void => {
  try {
    storage()?.setItem(storageKey(key), JSON.stringify({ ...value, urls: value.urls.slice(0, MAX_URLS) }))
  } catch {
    // QuotaExceededError or SecurityError: the cache is only a hint.
  }
}

/**
 * The cached peers (loadCachedUrls: joinMesh reads them before anything else, for its head start),
 * those that are peers' URLs, once each. The first is asked alone until CACHE_STAGGER_MS after `origin`
 * (the join's start, however late the race that runs this source was built).
 */
export const cacheSource = (cached: readonly unknown[], timeoutMs: number, early?: AnswerTaker | null, origin = performance.now(), proofs: KeyProofs | null = null): DiscoverySource => ({
  via: 'cache',
  find(signal) {
    const urls = [...new Set(cached.filter(isPeerUrl))]
    if (urls.length === 0) return Promise.reject(new Error('no cached peers'))
    // The page's last peer first, alone for a moment: it is very likely still alive.
    return firstRegistry(urls, signal, timeoutMs, { head: 1, ms: Math.max(0, CACHE_STAGGER_MS - (performance.now() - origin)) }, early, proofs)
  }
})
