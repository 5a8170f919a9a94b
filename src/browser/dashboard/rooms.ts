/**
 * The dashboard's rooms section: every room the directory lists (open where, kept on disk), and one of
 * them shown read-only and live. The page opens the room like any client (mesh.open) and never edits it.
 */
import { roomRows } from '../../shared/rooms.js'
import type { Mesh, RoomHandle } from '../index.js'

const el = (tag: string, text: string, attrs: Record<string, string> = {}) => {
  const e = document.createElement(tag)
  e.textContent = text
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v)
  return e
}

export class RoomsSection {
  private shown: { name: string; handle: RoomHandle; stop: () => void } | null = null

  constructor(
    private readonly mesh: Mesh,
    private readonly list: HTMLElement,
    private readonly view: HTMLElement,
    private readonly title: HTMLElement
  ) {}

  render(): void {
    const names = new Map(this.mesh.peers.map((p) => [p.id, p.name]))
    const rows = roomRows(this.mesh.peers)
    this.list.replaceChildren(
      ...rows.map((r) => {
        const tr = el('tr', '', { 'data-room': r.room, class: r.room === this.shown?.name ? 'current' : '' })
        const open = el('button', 'show', { type: 'button' })
        open.addEventListener('click', () => this.show(r.room))
        const cell = el('td', '')
        cell.append(open)
        tr.append(el('td', r.room), el('td', r.openOn.map((id) => names.get(id) ?? id).join(', ') || 'idle'), el('td', r.stored ? 'yes' : 'no'), cell)
        return tr
      })
    )
    if (rows.length > 0) return
    const empty = el('tr', '')
    empty.append(el('td', 'no rooms yet', { colspan: '4', class: 'muted' }))
    this.list.replaceChildren(empty)
  }

  /** Shows `name` live; read-only: the page never writes to the doc. Needs the access token. */
  show(name: string): void {
    this.shown?.stop()
    if (!this.mesh.token) {
      this.title.textContent = `${name}: open the dashboard with its token (#token=...) to read rooms`
      return
    }
    const handle = this.mesh.open(name)
    const text = handle.doc.getText('content')
    const update = () => (this.view.textContent = text.toString())
    text.observe(update)
    update()
    this.title.textContent = name
    this.shown = { name, handle, stop: () => (text.unobserve(update), handle.destroy()) }
    this.render()
  }
}
