/**
 * Is a peer whose connection just closed, or stopped answering, really gone? Discovery gives hints;
 * this gives the verdict. Same machine: a dead pid (or a zombie, or a reused pid) settles it without
 * the network. Otherwise, or when the pid lives, GET /health must answer with the same id in time: a
 * refused connection means gone at once, a silent one means hung.
 */
import { healthResponseSchema, type PeerEntry } from '../shared/schema.js'
import { isProcessAlive } from './process-identity.js'

export type Verdict = { alive: true } | { alive: false; reason: string }

export const probePeer = async (entry: PeerEntry, opts: { hostId: string; timeoutMs: number }): Promise<Verdict> => {
  if (entry.hostId === opts.hostId && !isProcessAlive(entry)) return { alive: false, reason: `process ${entry.pid} is gone` }
  try {
    const res = await fetch(`${entry.url}/health`, { signal: AbortSignal.timeout(opts.timeoutMs) })
    if (!res.ok) return { alive: false, reason: `/health answered ${res.status}` }
    const health = healthResponseSchema.safeParse(await res.json())
    if (!health.success) return { alive: false, reason: '/health answered something else' }
    if (health.data.id !== entry.id) return { alive: false, reason: `port ${entry.port} now serves peer ${health.data.id}` }
    return { alive: true }
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } }
    if (e.name === 'TimeoutError') return { alive: false, reason: `no answer from /health in ${opts.timeoutMs} ms` }
    return { alive: false, reason: e.cause?.code ?? e.message }
  }
}
