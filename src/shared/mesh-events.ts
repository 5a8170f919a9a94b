/**
 * The mesh's recent history as each peer keeps it (node/event-log.ts, GET /events) and the dashboard
 * shows it. Events are facts about the directory (peers, agents, rooms) and counts of messages a peer
 * received: names, ids and counts, never a message's text or a secret.
 *
 * Every peer holds a replica of the directory, so every peer records the same directory facts; `key`
 * names the fact, so a page that reads several peers merges their histories without doubles.
 */
import type { MeshEvent } from './events-schema.js'
import type { PeerEntry } from './schema.js'

export type { EventsResponse, MeshEvent } from './events-schema.js'

/** Events a peer keeps; older ones are dropped. */
export const MAX_EVENTS = 200

/** Message counts are kept per (sender, recipient, minute of sending). */
export const MESSAGE_BUCKET_MS = 60_000

/** A new event before the log numbers it. */
export type EventDraft = Omit<MeshEvent, 'seq'>

const agentLabel = (a: NonNullable<PeerEntry['agents']>[number]) => `${a.client}${a.workspace ? ` in ${a.workspace}` : ''}`

const entryRooms = (e: PeerEntry | undefined): string[] => [...(e?.rooms ?? []), ...(e?.storedRooms ?? [])]

/**
 * What changed between two versions of one directory key. `isNewRoom` says whether a room name has not
 * been seen in the directory before (the caller keeps that set, across every entry).
 */
export const diffEntry = (before: PeerEntry | undefined, after: PeerEntry | undefined, now: number, isNewRoom: (room: string) => boolean): EventDraft[] => {
  const out: EventDraft[] = []
  const who = after ?? before!
  const base = { peer: who.id, name: who.name }
  if (!before && after) out.push({ ...base, kind: 'peer-joined', key: `peer-joined:${who.id}`, at: after.startedAt, detail: after.url })
  if (before && !after) out.push({ ...base, kind: 'peer-left', key: `peer-left:${who.id}`, at: now })
  if (after) {
    const had = new Map((before?.agents ?? []).map((a) => [a.session, a]))
    for (const a of after.agents ?? []) {
      const old = had.get(a.session)
      if (!old) out.push({ ...base, kind: 'agent-joined', key: `agent-joined:${who.id}:${a.session}`, at: a.since, detail: agentLabel(a) })
      // Roots come after initialize: the workspace is known a moment after the agent.
      if (a.workspace && a.workspace !== old?.workspace) out.push({ ...base, kind: 'agent-workspace', key: `agent-workspace:${who.id}:${a.session}:${a.workspace}`, at: now, detail: agentLabel(a) })
    }
    const has = new Set((after.agents ?? []).map((a) => a.session))
    for (const a of before?.agents ?? []) {
      if (!has.has(a.session)) out.push({ ...base, kind: 'agent-left', key: `agent-left:${who.id}:${a.session}`, at: now, detail: agentLabel(a) })
    }
  }
  for (const room of new Set(entryRooms(after))) {
    if (isNewRoom(room)) out.push({ ...base, kind: 'room-appeared', key: `room:${room}`, at: now, detail: room })
  }
  return out
}

/** The event for messages from `from` to `to` sent in the minute of `sentAt`, `count` of them so far. */
export const messagesEvent = (from: { id: string; name: string }, to: { id: string; name: string }, sentAt: number, count: number): EventDraft => ({
  kind: 'messages',
  key: `messages:${from.id}:${to.id}:${Math.floor(sentAt / MESSAGE_BUCKET_MS)}`,
  at: sentAt,
  peer: from.id,
  name: from.name,
  to: to.id,
  detail: to.name,
  count
})
