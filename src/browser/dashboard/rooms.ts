/**
 * The dashboard's rooms: every room the directory lists (open where, kept on disk), and one of them
 * shown read-only and live. The page opens the room like any client (mesh.open) with no awareness
 * state of its own, and never edits the doc.
 */
import { roomRows } from '../../shared/rooms.js'
import type { Mesh, RoomHandle } from '../index.js'
import { bdi, el, patchChildren, span } from './dom.js'
import { renderDoc } from './room-view.js'

/** Redraws of the shown room wait this long, so a burst of edits costs one. */
const REDRAW_MS = 50

interface Shown {
  name: string
  handle: RoomHandle
  stop: () => void
}

export class RoomsSection {
  private shown: Shown | null = null

  constructor(
    private readonly mesh: Mesh,
    private readonly list: HTMLElement,
    private readonly view: HTMLElement,
    private readonly title: HTMLElement,
    /** The peers refused the page's token: opening a room would only be refused again and again. */
    private readonly tokenRefused: () => boolean = () => false
  ) {}

  /** The doc of the room shown now (tests read its client id: the page must never write). */
  get doc() {
    return this.shown?.handle.doc ?? null
  }

  render(): void {
    const names = new Map(this.mesh.peers.map((p) => [p.id, p.name]))
    const rows = roomRows(this.mesh.peers)
    // Without the token the peers name no rooms (a stranger's directory has none): say so, not "no rooms".
    if (!this.mesh.token || this.tokenRefused()) return patchChildren(this.list, [el('li', `${this.noToken('room names are')}: open the dashboard link a peer printed (…/#token=…)`, { class: 'muted' })])
    if (!rows.length) return patchChildren(this.list, [el('li', 'no rooms yet: a room appears when an agent or a page opens one', { class: 'muted' })])
    // An unchanged row keeps its button, whose listener shows the same room.
    patchChildren(
      this.list,
      rows.map((r) => {
        const open = r.openOn.map((id) => names.get(id) ?? id)
        const button = el('button', [el('b', bdi(r.room)), span('muted', open.length ? ['open on ', ...open.flatMap((n, i) => (i ? [', ', bdi(n)] : [bdi(n)]))] : 'idle'), r.stored ? span('chip', 'on disk') : null], { type: 'button' })
        button.addEventListener('click', () => this.show(r.room))
        return el('li', button, { 'data-room': r.room, class: r.room === this.shown?.name ? 'current' : '' })
      })
    )
  }

  /** Why this page cannot see rooms: it has no token, or the peers refused it. */
  private noToken(what: string): string {
    return this.mesh.token ? 'the peers refused this page\'s access token' : `${what} for people with the access token`
  }

  /** Shows `name` live; read-only: the page never writes to the doc. Needs the access token. */
  show(name: string): void {
    this.shown?.stop()
    this.shown = null
    this.title.textContent = name
    if (!this.mesh.token || this.tokenRefused()) {
      this.view.replaceChildren(el('p', `${this.noToken('rooms are')}: open the dashboard link a peer printed (…/#token=…)`, { class: 'muted' }))
      return this.render()
    }
    // No awareness state: the page watches; it is no collaborator for the room's other clients to show.
    const handle = this.mesh.open(name, { presence: false })
    let timer: ReturnType<typeof setTimeout> | null = null
    const draw = () => {
      timer = null
      patchChildren(this.view, renderDoc(handle.doc))
    }
    const later = () => (timer ??= setTimeout(draw, REDRAW_MS))
    handle.doc.on('update', later)
    draw()
    this.shown = {
      name,
      handle,
      stop: () => {
        if (timer) clearTimeout(timer)
        handle.doc.off('update', later)
        handle.destroy()
        handle.doc.destroy()
      }
    }
    this.render()
  }
}
