/**
 * The one /health client, for Node (liveness probes, hint confirmation) and the browser (discovery,
 * failover): both have fetch. Every failure is a HealthError with a short phrase a log or a
 * MeshDiscoveryError can quote; `timedOut` tells a silent peer from one that refused.
 */
import { checkHealthResponse } from './entry-check.js'
import type { HealthResponse } from './schema.js'

export class HealthError extends Error {
  constructor(
    message: string,
    readonly timedOut = false,
    /** The peer refused this page's Origin (it said so in X-Peer-Plan-Refused), not the request. */
    readonly originRefused = false
  ) {
    super(message)
  }
}

export interface GetOptions {
  timeoutMs: number
  signal?: AbortSignal
  /** e.g. the dashboard's `Authorization: Bearer <token>` for GET /events. */
  headers?: Record<string, string>
}

const describe = (err: unknown, ms: number): HealthError => {
  const e = err as Error & { cause?: { code?: string } }
  if (e?.name === 'TimeoutError') return new HealthError(`no answer in ${ms} ms`, true)
  if (e?.name === 'AbortError') return new HealthError('cancelled')
  // Node names the socket error (ECONNREFUSED); a browser says only "Failed to fetch".
  return new HealthError(e?.cause?.code ?? (e?.message || String(err)))
}

/** GET `url` as every request here is sent: never from the HTTP cache, never with the page's credentials. */
export const sendGet = (url: string, { timeoutMs, signal, headers }: GetOptions): Promise<Response> => {
  try {
    const timeout = AbortSignal.timeout(timeoutMs)
    return fetch(url, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout, cache: 'no-store', credentials: 'omit', ...(headers ? { headers } : {}) })
  } catch (err) {
    // A timeout AbortSignal.timeout refuses (Infinity, NaN) or a URL fetch refuses: a rejection, as
    // every other failure here is, never a throw out of the caller's call.
    return Promise.reject(err)
  }
}

/** GET url as JSON, with a timeout; errors say what happened in one short phrase. */
export const getJson = (url: string, opts: GetOptions): Promise<unknown> => readJson(sendGet(url, opts), opts.timeoutMs)

/** A sent GET (sendGet) read as JSON; errors as getJson's. */
export const readJson = async (sent: Promise<Response>, timeoutMs: number): Promise<unknown> => {
  let res: Response
  try {
    res = await sent
  } catch (err) {
    throw describe(err, timeoutMs)
  }
  if (!res.ok) {
    // Not read: a refusal's body is of no use, and a hostile one may be large. Its headers say enough.
    void res.body?.cancel().catch(() => {})
    if (res.headers.get('X-Peer-Plan-Refused') === 'origin') throw new HealthError(`HTTP ${res.status}: this page's origin is not allowed`, false, true)
    const why = res.headers.get('X-Peer-Plan-Error')
    throw new HealthError(`HTTP ${res.status}${why ? `: ${why.slice(0, 300)}` : ''}`)
  }
  try {
    return await res.json()
  } catch (err) {
    throw (err as Error)?.name === 'TimeoutError' ? describe(err, timeoutMs) : new HealthError('not JSON')
  }
}

/** GET <base>/health, validated. */
export const fetchHealth = async (base: string, opts: GetOptions): Promise<HealthResponse> => {
  const parsed = checkHealthResponse(await getJson(`${base}/health`, opts))
  if (!parsed) throw new HealthError('not a peer-plan peer')
  return parsed
}
