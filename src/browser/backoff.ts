/** Capped exponential backoff with full jitter: retry n waits a random time in [base, min(cap, base*2^n)]. */
export const backoffMs = (attempt: number, baseMs = 250, capMs = 5000, random: () => number = Math.random): number => {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt))
  return Math.round(baseMs + random() * (ceiling - baseMs))
}
