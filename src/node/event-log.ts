/**
 * This peer's record of the mesh's recent history, served as GET /events (people only): what its
 * directory replica saw happen (peers joining and leaving, agents registering and leaving, rooms
 * appearing) and how many messages its inbox took from whom. A ring of MAX_EVENTS; a page that opens
 * later reads what happened before it loaded.
 */
import type * as Y from 'yjs'
import type { DirectoryView } from '../shared/directory.js'
import { directoryMap } from '../shared/directory.js'
import { diffEntry, MAX_EVENTS, messagesEvent, type EventDraft, type EventsResponse, type MeshEvent } from '../shared/mesh-events.js'
import type { PeerEntry } from '../shared/schema.js'
import type { Inbox, InboxMessage } from './inbox.js'

/** Room names and departed peers remembered; past this the oldest are forgotten (a room would be announced again). */
const MAX_REMEMBERED = 4096

const remember = <K, V>(map: Map<K, V>, key: K, value: V): void => {
  map.delete(key)
  map.set(key, value)
  if (map.size > MAX_REMEMBERED) map.delete(map.keys().next().value!)
}

export interface EventLogOptions {
  doc: Y.Doc
  /** Registered on the doc before this log, so it has applied a change when the log reads it. */
  view: DirectoryView
  inbox: Inbox
  self: () => PeerEntry
  max?: number
  now?: () => number
}

export class EventLog {
  private readonly events: MeshEvent[] = []
  private nextSeq = 1
  private readonly known = new Map<string, PeerEntry>()
  private readonly seenRooms = new Map<string, true>()
  /** How often each peer was seen leaving, so a second leave or a return is a fact of its own. */
  private readonly leaves = new Map<string, number>()
  private readonly map: Y.Map<unknown>
  private readonly max: number
  private readonly now: () => number

  constructor(private readonly opts: EventLogOptions) {
    this.map = directoryMap(opts.doc)
    this.max = opts.max ?? MAX_EVENTS
    this.now = opts.now ?? Date.now
    for (const p of opts.view.peers()) this.touch(p.id)
    this.map.observe(this.onChange)
    opts.inbox.on('message', this.onMessage)
  }

  private readonly onChange = (event: Y.YMapEvent<unknown>): void => {
    for (const key of event.keysChanged) this.touch(key)
  }

  private touch(id: string): void {
    const before = this.known.get(id)
    const after = this.opts.view.get(id) ?? undefined
    if (after) this.known.set(id, after)
    else this.known.delete(id)
    if (!before && !after) return
    for (const draft of diffEntry(before, after, this.now(), (room) => this.firstSight(room))) this.add(this.returning(draft))
  }

  /** A peer seen leaving and then back (a wrong eviction healed, or a network split mended). */
  private returning(draft: EventDraft): EventDraft {
    const n = this.leaves.get(draft.peer) ?? 0
    if (draft.kind === 'peer-left') {
      remember(this.leaves, draft.peer, n + 1)
      return n === 0 ? draft : { ...draft, key: `${draft.key}:${n + 1}` }
    }
    if (draft.kind !== 'peer-joined' || n === 0) return draft
    return { ...draft, kind: 'peer-returned', key: `peer-returned:${draft.peer}:${n}`, at: this.now() }
  }

  private firstSight(room: string): boolean {
    if (this.seenRooms.has(room)) return false
    remember(this.seenRooms, room, true)
    return true
  }

  private readonly onMessage = (msg: InboxMessage): void => {
    const self = this.opts.self()
    const draft = messagesEvent(msg.from, { id: self.id, name: self.name }, msg.sentAt, 1)
    // One event per sender and minute: a chatty pair moves its count, not the rest of the history out.
    const i = this.events.findIndex((e) => e.key === draft.key)
    if (i >= 0) {
      const [old] = this.events.splice(i, 1)
      draft.count = (old!.count ?? 0) + 1
      draft.at = Math.max(old!.at, draft.at)
    }
    this.add(draft)
  }

  private add(draft: EventDraft): void {
    this.events.push({ ...draft, seq: this.nextSeq++ })
    if (this.events.length > this.max) this.events.shift()
  }

  /** The events after `after` (all of them for 0), oldest first. */
  since(after: number): EventsResponse {
    const seq = this.nextSeq - 1
    const from = after > seq ? 0 : after
    return { self: this.opts.self().id, seq, first: this.events[0]?.seq ?? this.nextSeq, events: this.events.filter((e) => e.seq > from) }
  }

  destroy(): void {
    this.map.unobserve(this.onChange)
    this.opts.inbox.off('message', this.onMessage)
  }
}
