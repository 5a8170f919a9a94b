/** Percentiles by nearest rank over the sorted sample. */
export const summarize = (samples) => {
  const s = [...samples].filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (s.length === 0) return { runs: 0, p50_ms: null, p95_ms: null, max_ms: null, min_ms: null }
  const at = (q) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]
  const r = (x) => Math.round(x * 10) / 10
  return { runs: s.length, p50_ms: r(at(0.5)), p95_ms: r(at(0.95)), max_ms: r(s[s.length - 1]), min_ms: r(s[0]) }
}

/** a / b to two decimals, as results files give a ratio (e.g. rss_ratio). */
export const ratioOf = (a, b) => Math.round((a / b) * 100) / 100
