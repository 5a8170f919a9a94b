/**
 * The peers: each with its agents (client, version, how attached), workspace, rooms, age and health.
 * Health is what this page knows: the directory lists the peer (the mesh evicts a dead one within
 * seconds), and the peer answered this page's last request (poller.ts) or did not. A peer that left
 * stays a few minutes as `gone`, with when it was last seen.
 */
import type { PeerEntry } from '../../shared/schema.js'
import type { Mesh } from '../mesh.js'
import { ago, bdi, duration, el, patchChildren, span } from './dom.js'
import type { PeerPoller } from './poller.js'

/** How long a peer that left stays in the table. */
const GONE_SHOWN_MS = 5 * 60_000

export interface Health {
  state: 'live' | 'suspect' | 'gone'
  detail: string
}

interface Gone {
  entry: PeerEntry
  leftAt: number
  lastOk?: number
}

export class PeersSection {
  private readonly gone = new Map<string, Gone>()

  constructor(
    private readonly mesh: Mesh,
    private readonly poller: PeerPoller,
    private readonly body: HTMLElement
  ) {}

  /** A peer left the directory: kept, greyed, with when it was last seen. */
  left(entry: PeerEntry): void {
    this.gone.set(entry.id, { entry, leftAt: Date.now(), lastOk: this.poller.states.get(entry.id)?.lastOk })
    this.poller.forget([entry.id])
  }

  /** A peer came (back): it is no longer gone. */
  added(entry: PeerEntry): void {
    this.gone.delete(entry.id)
  }

  health(p: PeerEntry, now = Date.now()): Health {
    const gone = this.gone.get(p.id)
    if (gone) return { state: 'gone', detail: `left ${ago(gone.leftAt, now)}${gone.lastOk ? `, answered ${ago(gone.lastOk, now)}` : ''}` }
    const s = this.poller.states.get(p.id)
    if (this.mesh.status !== 'connected') {
      return { state: 'suspect', detail: `this page is ${this.mesh.status}${s?.lastOk ? `; answered ${ago(s.lastOk, now)}` : ''}` }
    }
    if (!s?.lastOk && !s?.error) return { state: 'live', detail: 'in the directory' }
    if (s.error && (s.errorAt ?? 0) >= (s.lastOk ?? 0)) return { state: 'suspect', detail: `${s.error}${s.lastOk ? `; answered ${ago(s.lastOk, now)}` : ''}` }
    if (now - s.lastOk! > 2 * this.poller.periodMs + 1000) return { state: 'suspect', detail: `silent, answered ${ago(s.lastOk!, now)}` }
    return { state: 'live', detail: `answered ${ago(s.lastOk!, now)} in ${Math.round(s.rttMs ?? 0)} ms` }
  }

  private agentsCell(p: PeerEntry): HTMLElement {
    const agents = p.agents ?? []
    if (!agents.length) return el('td', span('muted', 'none'), { class: 'agents' })
    return el(
      'td',
      agents.map((a) => el('div', [el('b', bdi(a.client)), a.version ? ' ' : '', a.version ? bdi(a.version) : '', span('muted', ` ${a.transport}${a.ready ? '' : ', starting'}`)], { class: 'agent', 'data-session': a.session })),
      { class: 'agents' }
    )
  }

  private roomsCell(p: PeerEntry): HTMLElement {
    const open = p.rooms ?? []
    const stored = (p.storedRooms ?? []).filter((r) => !open.includes(r)).length
    return el('td', [...open.map((r) => span('chip', bdi(r))), stored ? span('muted', ` +${stored} on disk`) : null, !open.length && !stored ? span('muted', '-') : null], { class: 'rooms' })
  }

  private row(p: PeerEntry, now: number): HTMLElement {
    const h = this.health(p, now)
    const workspaces = [...new Set((p.agents ?? []).map((a) => a.workspace).filter(Boolean))]
    const current = p.id === this.mesh.current?.id
    const who = el('td', [
      el('div', [el('b', bdi(p.name)), current ? span('chip here', 'this page reads it') : null]),
      el('div', [el('a', bdi(p.url), { href: `${p.url}/` }), ` \u00b7 pid ${p.pid} \u00b7 v`, bdi(p.version)], { class: 'muted small' })
    ])
    return el(
      'tr',
      [
        who,
        this.agentsCell(p),
        el('td', workspaces.length ? workspaces.flatMap((w, i) => (i ? [', ', bdi(w!)] : [bdi(w!)])) : span('muted', '-'), { class: 'workspace' }),
        this.roomsCell(p),
        el('td', duration(now - p.startedAt), { class: 'age', title: new Date(p.startedAt).toLocaleString() }),
        el('td', [span(`pill ${h.state}`, h.state), el('div', h.detail, { class: 'muted small' })], { class: 'health' })
      ],
      { 'data-peer': p.id, 'data-health': h.state, class: [current ? 'current' : '', h.state].join(' ').trim() }
    )
  }

  render(): void {
    const now = Date.now()
    for (const [id, g] of this.gone) if (now - g.leftAt > GONE_SHOWN_MS) this.gone.delete(id)
    const live = new Set(this.mesh.peers.map((p) => p.id))
    const gone = [...this.gone.values()].filter((g) => !live.has(g.entry.id)).map((g) => g.entry)
    const byName = (a: PeerEntry, b: PeerEntry) => a.name.localeCompare(b.name) || (a.id < b.id ? -1 : 1)
    patchChildren(this.body, [...[...this.mesh.peers].sort(byName), ...gone].map((p) => this.row(p, now)))
  }
}
