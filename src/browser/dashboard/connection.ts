/**
 * How this page is connected: its status (connecting, connected, reconnecting, offline with the next
 * retry), the peer it reads the directory from, how it found the mesh (which discovery source won, what
 * each one did, the timings) and a short log of its own connection changes.
 */
import type { Mesh, StatusEvent } from '../mesh.js'
import { bdi, clock, el, ms, span } from './dom.js'

/** Lines of this page's own connection log. */
const LOG_LINES = 30

const SOURCE_WHAT: Record<string, string> = {
  cache: 'peers this browser saw last time (localStorage)',
  registry: 'the first port of the range',
  scan: 'every other port of the range',
  bootstrap: 'the URLs the page was given'
}

export interface ConnectionParts {
  status: HTMLElement
  statusDetail: HTMLElement
  via: HTMLElement
  timings: HTMLElement
  log: HTMLElement
}

export class ConnectionSection {
  private retryAt = 0

  constructor(
    private readonly mesh: Mesh,
    private readonly parts: ConnectionParts
  ) {}

  /** A status event: the pill, the log, and (after a failover) the timings change. */
  onStatus(e: StatusEvent): void {
    this.retryAt = e.retryInMs ? Date.now() + e.retryInMs : 0
    this.note(`${e.status}${e.detail ? `: ${e.detail}` : ''}${e.retryInMs ? ` (retry in ${(e.retryInMs / 1000).toFixed(1)} s)` : ''}`)
    this.render()
  }

  note(text: string): void {
    this.parts.log.prepend(el('li', [span('time', clock(Date.now())), ` ${text}`]))
    while (this.parts.log.children.length > LOG_LINES) this.parts.log.lastChild!.remove()
  }

  render(): void {
    const { status, statusDetail } = this.parts
    const m = this.mesh
    status.textContent = m.status
    status.className = `pill ${m.status === 'connected' ? 'live' : m.status === 'offline' ? 'gone' : 'suspect'}`
    const cur = m.current
    const where = cur ? [bdi(cur.name), ' (', bdi(cur.url), ')'] : [bdi(m.currentUrl || 'no peer')]
    const retry = m.status === 'offline' && this.retryAt ? `, retrying in ${Math.max(0, (this.retryAt - Date.now()) / 1000).toFixed(1)} s` : ''
    const verb = m.status === 'connected' ? 'reading the directory live from' : m.status === 'connecting' ? 'attaching to' : 'lost'
    statusDetail.replaceChildren(`${verb} `, el('b', where), `${retry} \u00b7 found via `, el('b', m.via), ` in ${ms(m.timings.peersKnown)}`)
    this.renderTimings()
  }

  private renderTimings(): void {
    const t = this.mesh.timings
    this.parts.via.textContent = this.mesh.via
    const row = (k: string, v: string, attrs: Record<string, string> = {}) => el('tr', [el('th', k), el('td', v)], attrs)
    this.parts.timings.replaceChildren(
      row('first peer answered', ms(t.firstAnswer)),
      row('whole mesh known', ms(t.peersKnown)),
      row('live directory synced', ms(t.directorySynced)),
      ...t.sources.map((a) => row(`source ${a.via}`, `${a.ok ? 'found a peer' : 'failed'} at ${ms(a.ms)}: ${a.detail}${SOURCE_WHAT[a.via] ? ` (${SOURCE_WHAT[a.via]})` : ''}`, { 'data-source': a.via, class: a.ok ? 'ok' : 'bad' })),
      ...t.failovers.map((f, i) => row(`failover ${i + 1}`, ms(f)))
    )
  }
}
