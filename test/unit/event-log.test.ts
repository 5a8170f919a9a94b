/** The history a peer keeps (node/event-log.ts): what its directory replica and inbox saw, bounded. */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { directoryMap, DirectoryView } from '../../src/shared/directory.js'
import { eventsResponseSchema } from '../../src/shared/events-schema.js'
import { MESSAGE_BUCKET_MS } from '../../src/shared/mesh-events.js'
import type { AgentInfo } from '../../src/shared/schema.js'
import { EventLog } from '../../src/node/event-log.js'
import { Inbox } from '../../src/node/inbox.js'

const ID = (n: number) => n.toString(16).padStart(16, '0')

const entry = (n: number, extra: Record<string, unknown> = {}) => ({
  id: ID(n), name: `p${n}`, url: `http://127.0.0.1:${1234 + n}`, host: '127.0.0.1', port: 1234 + n, pid: 10 + n, pidStart: null, hostId: 'h', version: '1', protocol: 1, startedAt: 1000 + n, ...extra
})

const agent = (session: string, workspace?: string): AgentInfo => ({ session, client: 'claude-code', capabilities: [], ready: true, transport: 'stdio', since: 5000, ...(workspace ? { workspace } : {}) })

const setup = (max?: number) => {
  const doc = new Y.Doc()
  const view = new DirectoryView(doc)
  const inbox = new Inbox()
  let now = 9000
  const log = new EventLog({ doc, view, inbox, self: () => entry(1), max, now: () => now })
  const kinds = () => log.since(0).events.map((e) => `${e.kind} ${e.name}${e.detail ? ` ${e.detail}` : ''}`)
  return { map: directoryMap(doc), inbox, log, kinds, tick: (ms: number) => (now += ms) }
}

const message = (n: number, id: string, sentAt: number) => ({ v: 1 as const, id, to: ID(1), from: { id: ID(n), name: `p${n}` }, text: 'secret words', sentAt })

describe('the event log', () => {
  it('records joins at their start time, agents, workspaces, rooms once, leaves and returns', () => {
    const { map, log, kinds, tick } = setup()
    map.set(ID(2), entry(2))
    map.set(ID(2), entry(2, { agents: [agent('s1')] }))
    map.set(ID(2), entry(2, { agents: [agent('s1', 'proj')], rooms: ['notes'] }))
    map.set(ID(3), entry(3, { storedRooms: ['notes', 'plan'] }))
    map.set(ID(2), entry(2, { rooms: ['notes'] }))
    tick(100)
    map.delete(ID(3))
    map.set(ID(3), entry(3))
    map.delete(ID(3))
    expect(kinds()).toEqual([
      `peer-joined p2 http://127.0.0.1:1236`,
      'agent-joined p2 claude-code',
      'agent-workspace p2 claude-code in proj',
      'room-appeared p2 notes',
      `peer-joined p3 http://127.0.0.1:1237`,
      'room-appeared p3 plan',
      'agent-left p2 claude-code in proj',
      'peer-left p3',
      'peer-returned p3 http://127.0.0.1:1237',
      'peer-left p3'
    ])
    const events = log.since(0).events
    expect(events[0]!.at).toBe(1002)
    expect(events[1]!.at).toBe(5000)
    // Each leave and return is a fact of its own, so a page merging several peers' logs keeps them all.
    expect(new Set(events.map((e) => e.key)).size).toBe(events.length)
    expect(eventsResponseSchema.safeParse(log.since(0)).success).toBe(true)
  })

  it('counts messages per sender and minute, never keeping their text', () => {
    const { inbox, log } = setup()
    const t = 50 * MESSAGE_BUCKET_MS
    inbox.add(message(2, 'message-a', t + 1))
    inbox.add(message(2, 'message-b', t + 2))
    inbox.add(message(3, 'message-c', t + 3))
    inbox.add(message(2, 'message-d', t + MESSAGE_BUCKET_MS))
    inbox.add(message(2, 'message-a', t + 1)) // a retry: stored once, counted once
    const events = log.since(0).events
    expect(events.map((e) => [e.name, e.detail, e.count])).toEqual([
      ['p2', 'p1', 2],
      ['p3', 'p1', 1],
      ['p2', 'p1', 1]
    ])
    expect(JSON.stringify(events)).not.toContain('secret')
  })

  it('keeps the newest `max` events and serves those after a cursor', () => {
    const { map, log } = setup(5)
    for (let n = 2; n < 12; n++) map.set(ID(n), entry(n))
    const all = log.since(0)
    expect(all.events.map((e) => e.name)).toEqual(['p7', 'p8', 'p9', 'p10', 'p11'])
    expect(all.first).toBe(6)
    expect(all.seq).toBe(10)
    expect(log.since(8).events.map((e) => e.seq)).toEqual([9, 10])
    expect(log.since(10).events).toEqual([])
    // A cursor from the future (a page confused by a restart) gets everything kept.
    expect(log.since(99).events).toHaveLength(5)
    log.destroy()
    map.set(ID(40), entry(40))
    expect(log.since(0).seq).toBe(10)
  })
})
