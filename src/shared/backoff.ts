/**
 * Capped exponential backoff with full jitter (the AWS architecture blog's "Full Jitter"): retry n waits
 * a uniformly random time in [0, min(cap, base * 2^n)]. Full jitter spreads a crowd of retries (32 peers
 * losing one neighbour at once) across the whole window instead of bunching them at its floor.
 */
export const backoffMs = (attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number =>
  Math.round(random() * Math.min(capMs, baseMs * 2 ** Math.max(0, attempt)))

/** Resolves after `ms`, or at once when `signal` fires (its timer cleared then): a retry's wait that stopping ends. */
export const waitMs = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const done = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done)
  })
