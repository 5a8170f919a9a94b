/**
 * The one /health client, for Node (liveness probes, hint confirmation) and the browser (discovery,
 * failover); the request itself is an HttpGet, fetch unless given (a peer gives node-get.ts's). Every
 * failure is a HealthError with a short phrase a log or a MeshDiscoveryError can quote; `timedOut`
 * tells a silent peer from one that refused.
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

/** What getJson reads of an answer: a fetch Response has it all. */
export interface HttpReply {
  ok: boolean
  status: number
  headers: { get(name: string): string | null }
  json(): Promise<unknown>
  body?: { cancel(): Promise<void> } | null
}

/**
 * One GET, as fetch does it; rejects with `signal.reason` once `signal` has fired. A browser uses fetch;
 * a peer passes node-get.ts's, because Node's fetch loads undici on first use (about 45 ms of CPU and
 * 13 MiB here), which a peer would carry for the rest of its life for one /health probe.
 */
export type HttpGet = (url: string, init: { signal: AbortSignal; headers?: Record<string, string> }) => Promise<HttpReply>

const fetchGet: HttpGet = (url, init) => fetch(url, { ...init, cache: 'no-store', credentials: 'omit' })

export interface GetOptions {
  timeoutMs: number
  signal?: AbortSignal
  /** e.g. the dashboard's `Authorization: PeerPlanProof ...` for GET /events (shared/peer-proof.ts). */
  headers?: Record<string, string>
  /** How the request is made: fetch unless given (see HttpGet). */
  get?: HttpGet
}

const describe = (err: unknown, ms: number): HealthError => {
  const e = err as Error & { cause?: { code?: string } }
  if (e?.name === 'TimeoutError') return new HealthError(`no answer in ${ms} ms`, true)
  if (e?.name === 'AbortError') return new HealthError('cancelled')
  // Node names the socket error (ECONNREFUSED: fetch's cause, node:http's own code); a browser says only
  // "Failed to fetch".
  return new HealthError(e?.cause?.code ?? (e as { code?: string })?.code ?? (e?.message || String(err)))
}

/** GET url as JSON, with a timeout; errors say what happened in one short phrase. */
export const getJson = async (url: string, opts: GetOptions): Promise<unknown> => {
  const timeout = AbortSignal.timeout(opts.timeoutMs)
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout
  let res: HttpReply
  try {
    res = await (opts.get ?? fetchGet)(url, { signal, ...(opts.headers ? { headers: opts.headers } : {}) })
  } catch (err) {
    throw describe(err, opts.timeoutMs)
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
    if (err instanceof HealthError) throw err
    // Cut off while the body came (the deadline or the caller): said as such, not as a bad body.
    throw signal.aborted ? describe(signal.reason, opts.timeoutMs) : new HealthError('not JSON')
  }
}

/** GET <base>/health, validated. */
export const fetchHealth = async (base: string, opts: GetOptions): Promise<HealthResponse> => {
  const parsed = checkHealthResponse(await getJson(`${base}/health`, opts))
  if (!parsed) throw new HealthError('not a peer-plan peer')
  return parsed
}
