/**
 * What each scenario is compared with. floor: floors measured in the same run whose p50s add up to the
 * least that scenario can cost on this machine, matched to what it does (fresh contexts; the scan floor
 * has the scan's open ports). target: the seed's figure for the job (about 50 ms through a registry,
 * about 500 ms by scanning, a 5 s poll). goal: the project's own aim, as a ratio to the floor, the floor
 * plus a margin, or a time.
 */
const LIST = ['floor-fetch']
const LIVE = ['floor-fetch', 'floor-ws']
// The joins' own floors, taken in the same loop as they are, in contexts of their kind (scenarios/joins.mjs).
const PAIRED_LIST = ['floor-fetch-paired']
const PAIRED_LIVE = ['floor-fetch-paired', 'floor-ws-paired']
const CACHED_LIST = ['floor-fetch-paired-cached']
const CACHED_LIVE = ['floor-fetch-paired-cached', 'floor-ws-paired-cached']
const SCAN_LIST = ['floor-scan-paired']
const SCAN_LIVE = ['floor-scan-paired', 'floor-ws-paired-scan']
const REF = {
  registry: { floor: PAIRED_LIST, target: 50, goal: { ratio: 1.3 } },
  'registry-live': { floor: PAIRED_LIVE, target: 50, goal: { plusMs: 5 } },
  // Results files from before the scan's paired floors (stop 35) fall back to the early ones.
  scan: { floor: SCAN_LIST, before: ['floor-scan'], target: 500, goal: { ratio: 1.3 } },
  'scan-live': { floor: SCAN_LIVE, before: ['floor-scan', 'floor-ws'], target: 500, goal: { plusMs: 5 } },
  cached: { floor: CACHED_LIST, target: 50, goal: { ratio: 1.2 } },
  'cached-live': { floor: CACHED_LIVE, target: 50, goal: { plusMs: 5 } },
  propagate: { floor: ['floor-fetch'], target: 5000 },
  evict: { floor: ['floor-fetch'], target: 5000 },
  failover: { floor: LIVE, target: 500 },
  'seed-registry-poll-propagate': { floor: ['floor-fetch'], target: 5000 },
  'seed-registry-poll-evict': { floor: ['floor-fetch'], target: 5000 },
  'seed-scan-ws': { floor: ['floor-scan'], target: 500 },
  mdns: { floor: ['floor-fetch'], target: null },
  startup: { floor: ['floor-node-start'], target: null, goal: { ms: 150 } },
  // The same start with this machine's NODE_EXTRA_CA_CERTS (lib/environment.mjs), beside its own floor.
  'startup-extra-ca': { floor: ['floor-node-start-extra-ca'], target: null, goal: { ms: 150 } },
  // The issue's goals for an agent: spawn -> initialize answered, and a message reaching the other agent.
  'mcp-initialize': { floor: ['floor-node-spawn'], target: 250 },
  'mcp-message': { floor: null, target: 20 },
  // Issue 11: an edit through one peer reaching a client of another (goal: <= 2x fetch+ws and <= 30 ms).
  'room-propagate': { floor: ['floor-fetch', 'floor-ws'], target: 30, goal: { ratio: 2 } },
  'room-recover': { floor: ['floor-node-start'], target: null }
}
const NONE = { floor: null, target: null }
export const reference = (name) => {
  // Each against the bare fetch of its own loop (scenarios/scale.mjs), or the early one in older files.
  if (name.startsWith('registry@') || name.startsWith('join@')) return { floor: [`floor-fetch-paired-${name}`], before: LIST, target: 50, goal: { ratio: 1.3 } }
  return REF[name] ?? NONE
}

/** "20 runs per scenario", and the joins' count where it differs (scenarios/joins.mjs takes more). */
const runsText = (result) => {
  const joins = result.scenarios.registry?.runs ?? result.scenarios.cached?.runs
  return `${result.runs_per_scenario} runs per scenario${joins && joins !== result.runs_per_scenario ? `, ${joins} per join` : ''}`
}

/** The sum of `floors`' p50s in `result`, with its label; null if any is missing. */
const floorSum = (result, floors) => {
  const parts = floors.map((f) => result.scenarios[f]?.p50_ms)
  return parts.every((p) => typeof p === 'number') ? { ms: parts.reduce((a, b) => a + b, 0), label: floors.join('+') } : null
}

/** A scenario's floor in `result`: its own, or (`before`) the one a results file from before it had. */
const floorOf = (result, name) => {
  const ref = reference(name)
  if (!ref.floor) return null
  return floorSum(result, ref.floor) ?? (ref.before ? floorSum(result, ref.before) : null)
}

/** The goal as text and whether the p50 meets it (null: nothing to compare). */
export const goalOf = (result, name) => {
  const goal = reference(name).goal
  const p50 = result.scenarios[name]?.p50_ms
  if (!goal || typeof p50 !== 'number') return { text: '-', met: null }
  if (goal.ms !== undefined) return { text: `<= ${goal.ms} ms`, met: p50 <= goal.ms }
  const floor = floorOf(result, name)
  if (goal.ratio !== undefined) return { text: `<= ${goal.ratio}x floor`, met: floor ? p50 <= goal.ratio * floor.ms : null }
  return { text: `<= floor + ${goal.plusMs} ms`, met: floor ? p50 <= floor.ms + goal.plusMs : null }
}

const fmt = (x) => (x === null || x === undefined ? '-' : x >= 100 ? Math.round(x).toString() : x.toFixed(1))
const ratio = (a, b) => (a === null || b === null || b === undefined || !b ? '-' : `${(a / b).toFixed(2)}x`)

export const renderTable = (result) => {
  const head = ['scenario', 'runs', 'p50 ms', 'p95 ms', 'max ms', 'floor (p50)', 'p50/floor', 'goal', 'met', 'target', 'p50/target', 'notes']
  const rows = Object.entries(result.scenarios).map(([name, s]) => {
    const floor = floorOf(result, name)
    const target = reference(name).target
    const notes = [
      s.connections !== undefined ? `${s.connections} conns (full mesh ${s.connections_full_mesh}), ${s.rss_mib_per_peer} MiB/peer` : '',
      s.follower_connected_after_last_ready_ms ? `bench's last follower let in ${fmt(s.follower_connected_after_last_ready_ms.p50)} ms after the last ready (p50), max ${fmt(s.follower_connected_after_last_ready_ms.max)}` : '',
      s.live_p50_ms !== undefined ? `live p50 ${fmt(s.live_p50_ms)}` : '',
      s.peers_listed_min !== undefined ? `pages listed >= ${s.peers_listed_min} of ${s.n} (${s.in_range} in range)` : '',
      s.converged_after_last_ready_ms !== undefined ? `mesh converged ${(s.converged_after_last_ready_ms / 1000).toFixed(1)} s after the last ready` : '',
      s.rss_mib !== undefined ? `RSS ${fmt(s.rss_mib)} MiB${s.rss_ratio !== undefined ? ` (${s.rss_ratio}x floor-node-start's)` : ''}` : '',
      s.open_ports !== undefined ? `${s.open_ports} of 11 ports open` : '',
      s.p50_by_round_ms ? `p50 by round ${s.p50_by_round_ms.map(fmt).join(' / ')}` : '',
      s.all_settled_p50_ms !== undefined ? `all 11 settled p50 ${fmt(s.all_settled_p50_ms)}` : '',
      s.via ? `via ${Object.entries(s.via).map(([k, v]) => `${k} ${v}`).join(', ')}` : ''
    ].filter(Boolean).join('; ')
    const goal = goalOf(result, name)
    const met = goal.met === null ? '-' : goal.met ? 'yes' : 'no'
    return [name, String(s.runs), fmt(s.p50_ms), fmt(s.p95_ms), fmt(s.max_ms), floor ? `${fmt(floor.ms)} (${floor.label})` : '-', ratio(s.p50_ms, floor?.ms), goal.text, met, target ? String(target) : '-', ratio(s.p50_ms, target), notes]
  })
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n')
}

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`)

/** Horizontal bars on a log scale: p50 bar, whisker to p95, tick at max, floor (grey) and target (red). */
export const renderChart = (result) => {
  const entries = Object.entries(result.scenarios)
  const left = 230
  const width = 980
  const plot = width - left - 30
  const rowH = 24
  const top = 72
  const height = top + entries.length * rowH + 50
  const lo = Math.log10(1)
  const hi = Math.log10(10000)
  const x = (ms) => left + (plot * (Math.log10(Math.max(1, ms)) - lo)) / (hi - lo)
  const out = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`)
  out.push(`<rect width="100%" height="100%" fill="#fff"/>`)
  out.push(`<text x="${left}" y="22" font-size="15" font-weight="600">peer-plan discovery, ${esc(result.mode)} run, ${esc(result.at.slice(0, 16).replace('T', ' '))} UTC</text>`)
  out.push(`<text x="${left}" y="38" fill="#555">ms, log scale. Bar: p50; whisker: p95; tick: max; dotted grey: floor measured in this run (ratio in brackets); red: the seed's target.</text>`)
  out.push(`<text x="${left}" y="53" fill="#555">${esc(result.machine.cpus)} cores, ${esc(result.machine.cpu_model)}, ${esc(result.machine.chromium)}, Node ${esc(result.machine.node)}; ${esc(runsText(result))}</text>`)
  for (const t of [1, 10, 100, 1000, 10000]) {
    out.push(`<line x1="${x(t)}" x2="${x(t)}" y1="${top - 6}" y2="${height - 40}" stroke="#e5e5e5"/>`)
    out.push(`<text x="${x(t)}" y="${height - 24}" text-anchor="middle" fill="#666">${t >= 1000 ? `${t / 1000} s` : `${t} ms`}</text>`)
  }
  entries.forEach(([name, s], i) => {
    const y = top + i * rowH
    const isFloor = name.startsWith('floor-')
    const isSeed = name.startsWith('seed-')
    const color = isFloor ? '#9aa3ad' : isSeed ? '#d08c3a' : '#2f6fdb'
    out.push(`<text x="${left - 8}" y="${y + 15}" text-anchor="end">${esc(name)}</text>`)
    if (s.p50_ms === null) return
    out.push(`<rect x="${left}" y="${y + 5}" width="${Math.max(1, x(s.p50_ms) - left)}" height="13" fill="${color}" rx="2"/>`)
    out.push(`<line x1="${x(s.p50_ms)}" x2="${x(s.p95_ms)}" y1="${y + 11.5}" y2="${y + 11.5}" stroke="${color}" stroke-width="2"/>`)
    out.push(`<line x1="${x(s.max_ms)}" x2="${x(s.max_ms)}" y1="${y + 6}" y2="${y + 17}" stroke="#333"/>`)
    const floor = floorOf(result, name)
    const vsFloor = floor && !isFloor ? ` (${ratio(s.p50_ms, floor.ms)} floor)` : ''
    out.push(`<text x="${Math.max(x(s.max_ms), x(s.p95_ms)) + 6}" y="${y + 15}" fill="#333">${fmt(s.p50_ms)}${vsFloor}</text>`)
    if (floor && !isFloor) out.push(`<line x1="${x(floor.ms)}" x2="${x(floor.ms)}" y1="${y + 2}" y2="${y + 21}" stroke="#777" stroke-width="2" stroke-dasharray="2 2"/>`)
    const target = reference(name).target
    if (target) out.push(`<line x1="${x(target)}" x2="${x(target)}" y1="${y + 2}" y2="${y + 21}" stroke="#d62d20" stroke-width="2"/>`)
  })
  out.push('</svg>')
  return out.join('\n') + '\n'
}
