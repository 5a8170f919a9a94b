/**
 * Is a peer whose connection just closed, or stopped answering, really gone? Discovery gives hints;
 * this gives the verdict. Same machine: a dead pid (or a zombie, or a reused pid) settles it without
 * the network, and a stopped process (SIGSTOP) counts as gone. Otherwise GET /health must answer with
 * the same id in time: a refused connection means gone at once; a silent one means hung, unless the
 * process is running on this machine, which makes it merely slow.
 */
import { healthResponseSchema, type HealthResponse, type PeerEntry } from '../shared/schema.js'
import { isProcessAlive, processState } from './process-identity.js'

/**
 * `slow`: the peer's process is running on this machine but /health did not answer in time. Under load
 * (say, 32 peers starting on 2 cores) that is a busy peer, not a dead one; the caller evicts only
 * after several slow answers in a row.
 */
export type Verdict = { alive: true } | { alive: false; reason: string } | { alive: 'slow'; reason: string }

/** Why /health gave no usable answer; `timedOut` when it said nothing in time. */
export class HealthError extends Error {
  constructor(
    message: string,
    readonly timedOut = false
  ) {
    super(message)
  }
}

/** GET <url>/health, validated; throws HealthError with a short reason. Used for probes and for hints. */
export const fetchHealth = async (url: string, timeoutMs: number): Promise<HealthResponse> => {
  let body: unknown
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(timeoutMs) })
    if (!res.ok) throw new HealthError(`/health answered ${res.status}`)
    body = await res.json()
  } catch (err) {
    if (err instanceof HealthError) throw err
    const e = err as Error & { cause?: { code?: string } }
    if (e.name === 'TimeoutError') throw new HealthError(`no answer from /health in ${timeoutMs} ms`, true)
    throw new HealthError(e.cause?.code ?? e.message)
  }
  const health = healthResponseSchema.safeParse(body)
  if (!health.success) throw new HealthError('/health answered something else')
  return health.data
}

export const probePeer = async (entry: PeerEntry, opts: { hostId: string; timeoutMs: number }): Promise<Verdict> => {
  const local = entry.hostId === opts.hostId
  if (local && !isProcessAlive(entry)) return { alive: false, reason: `process ${entry.pid} is gone` }
  const state = local ? processState(entry) : null
  if (state === 'T' || state === 't') return { alive: false, reason: `process ${entry.pid} is stopped` }
  try {
    const health = await fetchHealth(entry.url, opts.timeoutMs)
    if (health.id !== entry.id) return { alive: false, reason: `port ${entry.port} now serves peer ${health.id}` }
    return { alive: true }
  } catch (err) {
    const e = err as HealthError
    if (e.timedOut && state !== null) return { alive: 'slow', reason: e.message }
    return { alive: false, reason: e.message }
  }
}
