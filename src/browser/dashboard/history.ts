/**
 * The mesh's recent history, as the peers kept it (GET /events of each, see poller.ts): merged by each
 * event's key, so a fact that several peers saw shows once, newest first. Events from before this page
 * loaded are set apart by a line, since they are what a page that only listened could never show.
 */
import type { MeshEvent } from '../../shared/mesh-events.js'
import type { Mesh } from '../mesh.js'
import { bdi, clock, el, patchChildren, span } from './dom.js'

/** Events shown; the peers keep 200 each. */
const SHOWN = 200

const KIND_LABEL: Record<MeshEvent['kind'], string> = {
  'peer-joined': 'joined',
  'peer-left': 'left',
  'peer-returned': 'back',
  'agent-joined': 'agent',
  'agent-workspace': 'workspace',
  'agent-left': 'agent left',
  'room-appeared': 'room',
  messages: 'messages'
}

export class HistorySection {
  private readonly byKey = new Map<string, MeshEvent>()
  private readonly loadedAt = Date.now()

  constructor(
    private readonly mesh: Mesh,
    private readonly list: HTMLElement,
    /** The peers answered this page's token with a 401 (a token of another mesh, or of an old key). */
    private readonly tokenRefused: () => boolean
  ) {}

  private emptyNote(): string {
    if (!this.mesh.token) return 'the history needs the access token: open the dashboard link a peer printed (…/#token=…)'
    if (this.tokenRefused()) return 'the peers refused this page\'s access token (a token of another mesh, or of an older mesh key): open the dashboard link a peer printed now'
    return 'nothing yet'
  }

  /** Takes events from one peer's history; the same fact from another peer merges into one row. */
  merge(events: MeshEvent[]): void {
    for (const e of events) {
      const had = this.byKey.get(e.key)
      if (!had) this.byKey.set(e.key, e)
      // A message count grows as the minute goes on; any other fact happened when it was first seen.
      else if (e.kind === 'messages') this.byKey.set(e.key, { ...e, count: Math.max(had.count ?? 0, e.count ?? 0), at: Math.max(had.at, e.at) })
      else if (e.at < had.at) this.byKey.set(e.key, e)
    }
    if (this.byKey.size > SHOWN * 4) this.trim()
  }

  private trim(): void {
    const keep = [...this.byKey.values()].sort((a, b) => b.at - a.at).slice(0, SHOWN)
    this.byKey.clear()
    for (const e of keep) this.byKey.set(e.key, e)
  }

  private nameOf(id: string, fallback: string): string {
    return this.mesh.peers.find((p) => p.id === id)?.name ?? fallback
  }

  private describe(e: MeshEvent): (Node | string)[] {
    const who = el('b', bdi(this.nameOf(e.peer, e.name)))
    switch (e.kind) {
      case 'peer-joined':
        return ['peer ', who, ' joined ', span('muted', bdi(e.detail ?? ''))]
      case 'peer-left':
        return ['peer ', who, ' left the mesh']
      case 'peer-returned':
        return ['peer ', who, ' is back']
      case 'agent-joined':
        return ['agent ', el('b', bdi(e.detail ?? '?')), ' registered on ', who]
      case 'agent-workspace':
        return ['agent ', el('b', bdi(e.detail ?? '?')), ' on ', who]
      case 'agent-left':
        return ['agent ', el('b', bdi(e.detail ?? '?')), ' left ', who]
      case 'room-appeared':
        return ['room ', el('b', bdi(e.detail ?? '?')), ' appeared on ', who]
      case 'messages':
        return [who, ' \u2192 ', el('b', bdi(this.nameOf(e.to ?? '', e.detail ?? '?'))), `: ${e.count ?? 1} message${e.count === 1 ? '' : 's'}`]
    }
  }

  render(): void {
    const rows = [...this.byKey.values()].sort((a, b) => b.at - a.at || b.seq - a.seq).slice(0, SHOWN)
    const items: HTMLElement[] = []
    let marked = false
    for (const e of rows) {
      if (!marked && e.at < this.loadedAt) {
        marked = true
        if (items.length) items.push(el('li', `this page opened at ${clock(this.loadedAt)}; kept by the peers before it:`, { class: 'divider' }))
      }
      const row = el('li', [span('time', clock(e.at)), span(`kind ${e.kind}`, KIND_LABEL[e.kind]), span('what', this.describe(e))], { 'data-kind': e.kind, 'data-key': e.key })
      if (e.at < this.loadedAt) row.classList.add('before-load')
      items.push(row)
    }
    if (!items.length) items.push(el('li', this.emptyNote(), { class: 'muted' }))
    patchChildren(this.list, items)
  }
}
