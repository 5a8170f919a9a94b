/** The HTML shell of the dashboard; /dashboard.js (built from src/browser/dashboard) fills it in. */
import type { PeerEntry } from '../shared/schema.js'
import { DASHBOARD_STYLE } from './dashboard-style.js'

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

/** The peer's name goes in a <bdi>: a bidi override in it would turn the footer's words around. */
export const renderDashboard = (self: PeerEntry, ports: [number, number]): string => `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>peer-plan mesh</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${DASHBOARD_STYLE}</style>
<script id="peer-plan-config" type="application/json">${JSON.stringify({ ports, host: self.host }).replace(/</g, '\\u003c')}</script>
<script type="module" src="/dashboard.js"></script>
</head><body>
<header class="top">
  <h1>peer-plan mesh <span class="count"><span id="peer-count">…</span> peers</span></h1>
  <p class="conn"><span id="status" class="pill">loading</span> <span id="status-detail" class="muted">finding the mesh…</span></p>
</header>
<main>
<section class="card">
  <h2>Peers</h2>
  <table id="peers"><thead><tr><th>peer</th><th>agents</th><th>workspace</th><th>rooms</th><th>up</th><th>health</th></tr></thead><tbody></tbody></table>
</section>
<div class="two">
  <section class="card rooms-card"><h2>Rooms</h2><ul id="rooms" class="room-list"></ul></section>
  <section class="card"><h2>Room <span id="room-name">(pick one)</span> <span class="note">read-only, live</span></h2><div id="room-view"><p class="muted">Pick a room on the left to watch it; edits show as they arrive.</p></div></section>
</div>
<div class="two">
  <section class="card"><h2>History <span class="note">kept by the peers</span></h2><ol id="history" class="log"></ol></section>
  <section class="card"><h2>Connection <span class="note">found via <span id="via">…</span></span></h2>
    <table class="kv"><tbody id="timings"></tbody></table>
    <h3>This page</h3><ol id="connection-log" class="log"></ol></section>
</div>
</main>
<footer class="muted">Served by <bdi>${esc(self.name)}</bdi> at <code>${esc(self.url)}</code> · the same list as JSON: <a href="/registry">/registry</a></footer>
<noscript>This page needs JavaScript; <a href="/registry">/registry</a> has the peers as JSON.</noscript>
</body></html>
`
