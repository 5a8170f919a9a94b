/**
 * One small interface for every way of finding a first peer, in the manner of js-libp2p's discovery
 * modules: a source gives a hint that has answered; liveness afterwards comes from the live connection.
 */
import { fetchHealth, getJson as fetchJson } from '../../shared/health-client.js'
import type { HealthResponse, PeerEntry } from '../../shared/schema.js'

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

/** GET url as JSON; any failure is an Error with a short phrase (see shared/health-client). */
export const getJson = (url: string, signal: AbortSignal, timeoutMs: number): Promise<unknown> => fetchJson(url, { signal, timeoutMs })

export const probeHealth = (base: string, signal: AbortSignal, timeoutMs: number): Promise<HealthResponse> => fetchHealth(base, { signal, timeoutMs })

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
