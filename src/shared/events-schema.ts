/**
 * What GET /events answers (node/event-log.ts), as a zod schema the dashboard reads it with. Apart from
 * mesh-events.ts, which the peer loads at start: zod is loaded only where something is parsed with it.
 */
import * as z from 'zod/mini'
import { MAX_EVENTS } from './mesh-events.js'

const name = z.string().check(z.maxLength(128))

export const meshEventSchema = z.object({
  /** This peer's running number; a page asks for the events after the last one it has. */
  seq: z.number().check(z.int(), z.positive()),
  /** Names the fact: equal on every peer that recorded it. */
  key: z.string().check(z.maxLength(300)),
  kind: z.enum(['peer-joined', 'peer-left', 'peer-returned', 'agent-joined', 'agent-workspace', 'agent-left', 'room-appeared', 'messages']),
  /** ms since the epoch: the entry's own time where it has one (startedAt, an agent's since), else when seen. */
  at: z.number().check(z.int(), z.nonnegative()),
  /** The peer the event is about (for messages: the sender). */
  peer: z.string().check(z.maxLength(64)),
  name,
  /** agent: its client and workspace; room: its name; messages: the recipient's name. */
  detail: z.optional(z.string().check(z.maxLength(300))),
  /** messages: the recipient's id, and how many arrived in that minute. */
  to: z.optional(z.string().check(z.maxLength(64))),
  count: z.optional(z.number().check(z.int(), z.positive()))
})
export type MeshEvent = z.infer<typeof meshEventSchema>

export const eventsResponseSchema = z.object({
  self: z.string(),
  /** The newest event's seq (0 when none). */
  seq: z.number().check(z.int(), z.nonnegative()),
  /** The oldest seq still kept: a page that asked for less missed the ones in between. */
  first: z.number().check(z.int(), z.nonnegative()),
  events: z.array(meshEventSchema).check(z.maxLength(MAX_EVENTS))
})
export type EventsResponse = z.infer<typeof eventsResponseSchema>
