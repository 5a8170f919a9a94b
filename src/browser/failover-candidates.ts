/**
 * Which peers a page asks for /health when its directory peer is lost: the others it lists, at most
 * MAX_FAILOVER_PROBES of them, drawn at random. A page that listed a thousand peers would otherwise send a
 * thousand requests every round; random, so that the pages of one mesh do not all land on the same few
 * peers. If none of them answers, discovery runs again (registry endpoint, scan), which is bounded too.
 */
export const MAX_FAILOVER_PROBES = 16

/** Up to MAX_FAILOVER_PROBES of `urls`, in random order; the lost peer only after the first round. */
export const failoverCandidates = (urls: string[], lost: string, attempt: number, random: () => number = Math.random): string[] => {
  const pool = urls.filter((u) => u !== lost || attempt > 0)
  // Fisher-Yates, stopped once the sample is drawn.
  const n = Math.min(MAX_FAILOVER_PROBES, pool.length)
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (pool.length - i))
    ;[pool[i], pool[j]] = [pool[j]!, pool[i]!]
  }
  return pool.slice(0, n)
}
