/**
 * One small interface for every way of finding a first peer, in the manner of js-libp2p's discovery
 * modules: a source gives a hint that has answered; liveness afterwards comes from the live connection.
 */
import { healthResponseSchema, type HealthResponse, type PeerEntry } from '../../shared/schema.js'

export type Via = 'cache' | 'registry' | 'scan' | 'bootstrap'

export interface Found {
  /** Base URL of a peer that answered, e.g. http://127.0.0.1:1234 */
  url: string
  id: string
  /** The peer list it answered with, when the source got one (the registry endpoint does). */
  peers?: PeerEntry[]
}

export interface DiscoverySource {
  readonly via: Via
  /** Resolves with a peer that answered, or rejects with an Error saying why none did. */
  find(signal: AbortSignal): Promise<Found>
}

export const withTimeout = (signal: AbortSignal, ms: number): AbortSignal => AbortSignal.any([signal, AbortSignal.timeout(ms)])

const describe = (err: unknown, ms: number): string => {
  const e = err as Error
  if (e?.name === 'TimeoutError') return `no answer in ${ms} ms`
  if (e?.name === 'AbortError') return 'cancelled'
  return e?.message || String(err)
}

/** GET url + path as JSON, with a timeout; errors say what happened in one short phrase. */
export const getJson = async (url: string, signal: AbortSignal, timeoutMs: number): Promise<unknown> => {
  let res: Response
  try {
    res = await fetch(url, { signal: withTimeout(signal, timeoutMs), cache: 'no-store', credentials: 'omit' })
  } catch (err) {
    throw new Error(describe(err, timeoutMs))
  }
  if (!res.ok) throw new Error(`HTTP ${res.status}`)
  try {
    return await res.json()
  } catch {
    throw new Error('not JSON')
  }
}

export const probeHealth = async (base: string, signal: AbortSignal, timeoutMs: number): Promise<HealthResponse> => {
  const body = await getJson(`${base}/health`, signal, timeoutMs)
  const parsed = healthResponseSchema.safeParse(body)
  if (!parsed.success) throw new Error('not a peer-plan peer')
  return parsed.data
}

/** The first of several base URLs to answer /health; rejects listing each failure. */
export const firstHealthy = async (urls: string[], signal: AbortSignal, timeoutMs: number): Promise<Found> => {
  if (urls.length === 0) throw new Error('nothing to try')
  const local = new AbortController()
  const both = AbortSignal.any([signal, local.signal])
  try {
    return await Promise.any(urls.map(async (url) => ({ url, id: (await probeHealth(url, both, timeoutMs)).id })))
  } catch (err) {
    const errors = (err as AggregateError).errors ?? [err]
    const reasons = [...new Set(errors.map((e: Error) => e.message))]
    throw new Error(`${urls.length} tried: ${reasons.join('; ')}`)
  } finally {
    local.abort()
  }
}

export const baseUrl = (host: string, port: number): string => `http://${host.includes(':') ? `[${host}]` : host}:${port}`
