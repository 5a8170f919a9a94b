/**
 * A value as it appears in an error line: its JSON, cut at a short prefix. Written out by hand, not
 * with JSON.stringify, because a config file may hold anything up to its size cap: 20000 nested
 * arrays overflowed JSON.stringify's stack (a stack trace instead of the one-line error), and a 1 MiB
 * string would have made a 1 MiB line. Each level spends at least one character of the budget, so
 * the walk goes no deeper than the prefix is long.
 */
const MAX_SHOWN = 80

export const shown = (value: unknown, max = MAX_SHOWN): string => {
  const parts: string[] = []
  let room = max
  // False once the budget is overspent; every caller stops at the first false.
  const put = (s: string): boolean => {
    parts.push(s.slice(0, Math.max(0, room)))
    room -= s.length
    return room >= 0
  }
  const walk = (v: unknown): boolean => {
    if (typeof v === 'string') return put(JSON.stringify(v.slice(0, room + 1)))
    if (typeof v !== 'object' || v === null) return put(JSON.stringify(v) ?? String(v))
    if (Array.isArray(v)) return put('[') && v.every((x: unknown, i) => (i === 0 || put(',')) && walk(x)) && put(']')
    return put('{') && Object.entries(v).every(([k, x], i) => (i === 0 || put(',')) && walk(k) && put(':') && walk(x)) && put('}')
  }
  return walk(value) ? parts.join('') : `${parts.join('')}…`
}
