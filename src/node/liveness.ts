/**
 * Is a peer whose connection just closed, or stopped answering, really gone? Discovery gives hints;
 * this gives the verdict. Same machine: a dead pid (or a zombie, or a reused pid) settles it without
 * the network, and a stopped process (SIGSTOP) counts as gone. Otherwise GET /health must answer with
 * the same id in time: a refused connection means gone at once; a silent one means hung, unless the
 * process is running on this machine, which makes it merely slow (and on an overloaded machine, not
 * even that: see OVERLOADED_PER_CORE).
 */
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { fetchHealth, type HealthError } from '../shared/health-client.js'
import type { PeerEntry } from '../shared/schema.js'
import { nodeGet } from './node-get.js'
import { isProcessAlive, processState } from './process-identity.js'

/**
 * `slow`: the peer's process is running on this machine but /health did not answer in time. Under load
 * (say, 32 peers starting on 2 cores) that is a busy peer, not a dead one; the caller evicts only
 * after several slow answers in a row.
 */
export type Verdict = { alive: true } | { alive: false; reason: string } | { alive: 'slow'; reason: string; overloaded?: boolean }

/**
 * More runnable work than this per core (the 1-minute load average) and every peer here is slow: a
 * slow answer then says little about the peer (prober.ts asks for OVERLOADED_STRIKES of them). 64
 * peers starting at once on 2 cores ran at 25-70, and evicted live peers for it, three slow answers
 * in a row each; the evictions fed the storm.
 */
export const OVERLOADED_PER_CORE = 2

/** The 1-minute load average per core, or 0 where there is no /proc/loadavg. */
export const loadPerCore = (): number => {
  try {
    return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]) / availableParallelism() || 0
  } catch {
    return 0
  }
}

export const probePeer = async (entry: PeerEntry, opts: { hostId: string; timeoutMs: number; load?: () => number }): Promise<Verdict> => {
  const local = entry.hostId === opts.hostId
  if (local && !isProcessAlive(entry)) return { alive: false, reason: `process ${entry.pid} is gone` }
  const state = local ? processState(entry) : null
  if (state === 'T' || state === 't') return { alive: false, reason: `process ${entry.pid} is stopped` }
  try {
    const health = await fetchHealth(entry.url, { timeoutMs: opts.timeoutMs, get: nodeGet() })
    if (health.id !== entry.id) return { alive: false, reason: `port ${entry.port} now serves peer ${health.id}` }
    return { alive: true }
  } catch (err) {
    const e = err as HealthError
    if (e.timedOut && state !== null) {
      const load = (opts.load ?? loadPerCore)()
      return load > OVERLOADED_PER_CORE ? { alive: 'slow', reason: `/health: ${e.message} (load ${load.toFixed(1)} per core)`, overloaded: true } : { alive: 'slow', reason: `/health: ${e.message}` }
    }
    return { alive: false, reason: `/health: ${e.message}` }
  }
}
