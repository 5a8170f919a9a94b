/** A server-rendered page a person can look at: this peer and the directory it sees, refreshed every 2 s. */
import type { PeerEntry } from '../shared/schema.js'

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

const uptime = (startedAt: number) => {
  const s = Math.max(0, Math.round((Date.now() - startedAt) / 1000))
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m ${s % 60}s` : `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`
}

export const renderStatusPage = (self: PeerEntry, peers: PeerEntry[]): string => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="2">
<title>peer-plan: ${esc(self.name)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse}
td,th{padding:.3rem .8rem;border-bottom:1px solid #ddd;text-align:left}tr.self{background:#eef6ff}code{font-size:13px}</style>
</head><body>
<h1>peer-plan mesh</h1>
<p>This page is served by <b>${esc(self.name)}</b> at <code>${esc(self.url)}</code>. It lists the <b id="count">${peers.length}</b> live peer(s) in the shared directory.</p>
<table><thead><tr><th>name</th><th>url</th><th>pid</th><th>uptime</th><th>id</th></tr></thead><tbody>
${peers
  .map(
    (p) =>
      `<tr class="${p.id === self.id ? 'self' : ''}" data-peer="${esc(p.id)}"><td>${esc(p.name)}</td><td><a href="${esc(p.url)}/">${esc(p.url)}</a></td><td>${p.pid}</td><td>${uptime(p.startedAt)}</td><td><code>${esc(p.id)}</code></td></tr>`
  )
  .join('\n')}
</tbody></table>
<p>JSON: <a href="/registry">/registry</a> · <a href="/health">/health</a></p>
</body></html>
`
