/**
 * What each scenario is compared with. floor: floors measured in the same run whose p50s add up to the
 * least that scenario can cost on this machine. target: the seed's figure for the job (about 50 ms
 * through a registry, about 500 ms by scanning, a 5 s poll for updates).
 */
const REF = {
  registry: { floor: ['floor-fetch', 'floor-ws'], target: 50 },
  cached: { floor: ['floor-fetch', 'floor-ws'], target: 50 },
  scan: { floor: ['floor-scan', 'floor-ws'], target: 500 },
  propagate: { floor: ['floor-fetch'], target: 5000 },
  evict: { floor: ['floor-fetch'], target: 5000 },
  failover: { floor: ['floor-fetch', 'floor-ws'], target: 500 },
  'seed-registry-poll-propagate': { floor: ['floor-fetch'], target: 5000 },
  'seed-registry-poll-evict': { floor: ['floor-fetch'], target: 5000 },
  'seed-scan-ws': { floor: ['floor-scan'], target: 500 },
  mdns: { floor: ['floor-fetch'], target: null },
  // The issue's goals for an agent: spawn -> initialize answered, and a message reaching the other agent.
  'mcp-initialize': { floor: ['floor-node-spawn'], target: 250 },
  'mcp-message': { floor: null, target: 20 },
  // Issue 11: an edit through one peer reaching a client of another (goal: <= 2x fetch+ws and <= 30 ms).
  'room-propagate': { floor: ['floor-fetch', 'floor-ws'], target: 30 },
  'room-recover': { floor: ['floor-node-spawn'], target: null }
}
export const reference = (name) => {
  if (name.startsWith('registry@')) return { floor: ['floor-fetch', 'floor-ws'], target: 50 }
  if (name.startsWith('converge@')) return { floor: null, target: null }
  return REF[name] ?? { floor: null, target: null }
}

const floorOf = (result, name) => {
  const ref = reference(name)
  if (!ref.floor) return null
  const parts = ref.floor.map((f) => result.scenarios[f]?.p50_ms)
  return parts.every((p) => typeof p === 'number') ? { ms: parts.reduce((a, b) => a + b, 0), label: ref.floor.join('+') } : null
}

const fmt = (x) => (x === null || x === undefined ? '-' : x >= 100 ? Math.round(x).toString() : x.toFixed(1))
const ratio = (a, b) => (a === null || b === null || b === undefined || !b ? '-' : `${(a / b).toFixed(2)}x`)

export const renderTable = (result) => {
  const head = ['scenario', 'runs', 'p50 ms', 'p95 ms', 'max ms', 'floor (p50)', 'p50/floor', 'target', 'p50/target', 'notes']
  const rows = Object.entries(result.scenarios).map(([name, s]) => {
    const floor = floorOf(result, name)
    const target = reference(name).target
    const notes = [
      s.connections !== undefined ? `${s.connections} conns (full mesh ${s.connections_full_mesh}), ${s.rss_mib_per_peer} MiB/peer` : '',
      s.p50_by_round_ms ? `p50 by round ${s.p50_by_round_ms.map(fmt).join(' / ')}` : '',
      s.all_settled_p50_ms !== undefined ? `all 11 settled p50 ${fmt(s.all_settled_p50_ms)}` : '',
      s.via ? `via ${Object.entries(s.via).map(([k, v]) => `${k} ${v}`).join(', ')}` : ''
    ].filter(Boolean).join('; ')
    return [name, String(s.runs), fmt(s.p50_ms), fmt(s.p95_ms), fmt(s.max_ms), floor ? `${fmt(floor.ms)} (${floor.label})` : '-', ratio(s.p50_ms, floor?.ms), target ? String(target) : '-', ratio(s.p50_ms, target), notes]
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
  out.push(`<text x="${left}" y="38" fill="#555">ms, log scale. Bar: p50; whisker: p95; tick: max; dotted grey: floor measured in this run; red: the seed's target.</text>`)
  out.push(`<text x="${left}" y="53" fill="#555">${esc(result.machine.cpus)} cores, ${esc(result.machine.cpu_model)}, ${esc(result.machine.chromium)}, Node ${esc(result.machine.node)}; ${esc(result.runs_per_scenario)} runs per scenario</text>`)
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
    out.push(`<text x="${Math.max(x(s.max_ms), x(s.p95_ms)) + 6}" y="${y + 15}" fill="#333">${fmt(s.p50_ms)}</text>`)
    const floor = floorOf(result, name)
    if (floor && !isFloor) out.push(`<line x1="${x(floor.ms)}" x2="${x(floor.ms)}" y1="${y + 2}" y2="${y + 21}" stroke="#777" stroke-width="2" stroke-dasharray="2 2"/>`)
    const target = reference(name).target
    if (target) out.push(`<line x1="${x(target)}" x2="${x(target)}" y1="${y + 2}" y2="${y + 21}" stroke="#d62d20" stroke-width="2"/>`)
  })
  out.push('</svg>')
  return out.join('\n') + '\n'
}
