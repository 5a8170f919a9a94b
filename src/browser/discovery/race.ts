/**
 * Runs the sources as a race; the first to answer wins and the rest are cancelled. Sources are listed in
 * order of preference, and an answer from a later source waits (at most graceMs from the start) for the
 * earlier ones to fail, so a healthy cache or registry wins over a scan that happens to answer a
 * millisecond sooner. On loopback a dead port is refused in ~1 ms, so the wait is rarely felt.
 *
 * A source may also start late (Happy Eyeballs' staggered start): `startAfterMs` holds it back until
 * that much time has passed or every source before it has failed, whichever comes first. The scan uses
 * it so that its dozen probes do not compete with a registry request that is about to answer.
 */
import { SourceError, type DiscoverySource, type Found, type Via } from './source.js'

export interface Attempt {
  via: Via
  ok: boolean
  /** What the source returned: the peer it found, or why it found none. */
  detail: string
  ms: number
  /** Peers that answered but refused this page's Origin. */
  refusedBy?: string[]
}

/** What to do when peers answered but refused the page's origin: the one fix, said first. */
const originAdvice = (attempts: Attempt[]): string => {
  const refused = [...new Set(attempts.flatMap((a) => a.refusedBy ?? []))]
  if (refused.length === 0) return ''
  const origin = globalThis.location?.origin ?? 'this page'
  return `origin ${origin} is not allowed by the peers at ${refused.join(', ')}; start them with --allow-origin ${origin} (or use the Vite plugin peer-plan/vite). `
}

export class MeshDiscoveryError extends Error {
  override name = 'MeshDiscoveryError'
  /** The peers that refused this page's Origin ([] when none did). */
  readonly refusedBy: string[]
  constructor(readonly attempts: Attempt[]) {
    super(`${originAdvice(attempts)}no peer-plan peer answered: ${attempts.map((a) => `${a.via}: ${a.detail}`).join(' | ') || 'no discovery source to try'}`)
    this.refusedBy = [...new Set(attempts.flatMap((a) => a.refusedBy ?? []))]
  }
}

export interface RaceResult {
  found: Found
  via: Via
  attempts: Attempt[]
  ms: number
}

export type Entry = DiscoverySource | { source: DiscoverySource; startAfterMs: number }

export interface RaceOptions {
  graceMs: number
  signal: AbortSignal
  /**
   * The performance.now() the race counts from: the grace, each `startAfterMs` and every reported ms.
   * Default now; a join that builds its race late counts from its own start (join.ts).
   */
  origin?: number
}

export const raceSources = (entries: Entry[], opts: RaceOptions): Promise<RaceResult> =>
  new Promise((resolve, reject) => {
    const t0 = opts.origin ?? performance.now()
    const sources = entries.map((e) => ('source' in e ? e.source : e))
    const delays = entries.map((e) => ('source' in e ? e.startAfterMs : 0))
    const started = sources.map(() => false)
    const cancel = new AbortController()
    const signal = AbortSignal.any([opts.signal, cancel.signal])
    const state = sources.map(() => ({ done: false, found: null as Found | null }))
    const attempts: Attempt[] = []
    let settled = false

    const decide = () => {
      if (settled) return
      // A late source starts as soon as everything before it has failed.
      for (let i = 0; i < sources.length; i++) if (!started[i] && state.slice(0, i).every((s) => s.done && !s.found)) start(i)
      const graceOver = graceFired || performance.now() - t0 >= opts.graceMs
      for (let i = 0; i < sources.length; i++) {
        const s = state[i]!
        if (s.found) {
          settled = true
          clearTimeout(timer)
          timers.forEach((t) => t && clearTimeout(t))
          resolve({ found: s.found, via: sources[i]!.via, attempts, ms: performance.now() - t0 })
          // The losers are cancelled once the winner is handed over: an abort runs every dependent
          // signal's listeners (0.1 ms in a fresh page), and nothing a loser does meanwhile is used.
          return void setTimeout(() => cancel.abort(), 0)
        }
        if (!s.done && !graceOver) return
      }
      if (state.every((s) => s.done)) {
        settled = true
        clearTimeout(timer)
        reject(new MeshDiscoveryError(attempts))
      }
    }
    // Timers may fire a fraction of a millisecond before performance.now() agrees the time has passed:
    // the timer firing is what ends the grace, or decide() would wait on and nothing would wake it again.
    let graceFired = false
    const timer = setTimeout(() => {
      graceFired = true
      decide()
    }, Math.max(0, opts.graceMs - (performance.now() - t0)))

    const start = (i: number) => {
      if (started[i] || settled) return
      started[i] = true
      const source = sources[i]!
      source.find(signal).then(
        (found) => {
          state[i]!.done = true
          state[i]!.found = found
          if (!settled) attempts.push({ via: source.via, ok: true, detail: `${found.url} (${found.id})`, ms: performance.now() - t0 })
          decide()
        },
        (err: Error) => {
          state[i]!.done = true
          const refusedBy = err instanceof SourceError && err.refusedBy.length ? { refusedBy: err.refusedBy } : {}
          if (!settled) attempts.push({ via: source.via, ok: false, detail: err.message, ms: performance.now() - t0, ...refusedBy })
          decide()
        }
      )
    }
    const late = (d: number) => d - (performance.now() - t0)
    const timers = delays.map((d, i) => (late(d) > 0 ? setTimeout(() => start(i), late(d)) : (start(i), null)))
    if (sources.length === 0) decide()
    opts.signal.addEventListener('abort', () => {
      if (settled) return
      settled = true
      cancel.abort()
      clearTimeout(timer)
      timers.forEach((t) => t && clearTimeout(t))
      reject(new MeshDiscoveryError([...attempts, ...sources.filter((_, i) => !state[i]!.done).map((s) => ({ via: s.via, ok: false, detail: 'no answer before the timeout', ms: performance.now() - t0 }))]))
    })
  })
