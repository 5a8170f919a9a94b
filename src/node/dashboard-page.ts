/** The HTML shell of the dashboard; /dashboard.js (built from src/browser/dashboard) fills it in. */
import type { PeerEntry } from '../shared/schema.js'

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** Loopback only: the page talks to peers of this machine and nothing else. */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'unsafe-inline'",
  "img-src 'self' data:",
  // CSP host sources cannot name an IPv6 literal; a page on [::1] still reaches its own origin ('self').
  "connect-src 'self' http://127.0.0.1:* ws://127.0.0.1:* http://localhost:* ws://localhost:*",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'"
].join('; ')

export const renderDashboard = (self: PeerEntry, ports: [number, number]): string => `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>peer-plan mesh</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px system-ui,sans-serif;margin:2rem auto;max-width:60rem;color:#1d2330;padding:0 1rem}
h1{font-size:1.4rem;margin:0 0 .2rem}h2{font-size:1rem;margin:1.6rem 0 .4rem;color:#445}
table{border-collapse:collapse;width:100%}td,th{padding:.35rem .7rem;border-bottom:1px solid #e3e6ec;text-align:left;vertical-align:top}
th{font-weight:600;color:#556}tr.current td{background:#eef5ff}tr.current td:first-child::after{content:" (current)";color:#468}
.ok{color:#167a3a}.bad{color:#b3261e}#events{font:12px ui-monospace,monospace;color:#445;padding-left:1rem;max-height:14rem;overflow:auto}
.muted{color:#778}code{font-size:13px}
</style>
<script id="peer-plan-config" type="application/json">${JSON.stringify({ ports, host: self.host }).replace(/</g, '\\u003c')}</script>
<script type="module" src="/dashboard.js"></script>
</head><body>
<h1>peer-plan mesh: <span id="peer-count">…</span> live peer(s)</h1>
<p class="muted">Served by ${esc(self.name)} at <code>${esc(self.url)}</code>. Status: <b id="status">loading</b>. Reading the directory from <span id="current">-</span>.</p>
<table id="peers"><thead><tr><th>name</th><th>URL</th><th>pid</th><th>uptime</th></tr></thead><tbody></tbody></table>
<h2>Rooms</h2>
<table id="rooms"><thead><tr><th>room</th><th>open on</th><th>on disk</th><th></th></tr></thead><tbody></tbody></table>
<h2>Room <span id="room-name" class="muted">(none shown)</span>, read-only, live</h2>
<pre id="room-text" style="white-space:pre-wrap;background:#f6f7f9;padding:.6rem;min-height:2rem"></pre>
<h2>How this page found the mesh: <span id="via">…</span></h2>
<table><tbody id="timings"></tbody></table>
<h2>Events</h2>
<ul id="events"></ul>
<noscript>This page needs JavaScript; <a href="/registry">/registry</a> has the same list as JSON.</noscript>
</body></html>
`
