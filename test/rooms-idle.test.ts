/**
 * What an idle room costs (issue 11: "no links and no timers"), read from each peer's /health: once the
 * last client of a room has left on every peer, no peer holds the room in memory, no room link is up or
 * connecting, and no retry or other room timer is pending; the room is on disk and comes back from it.
 * A room an agent wrote (MCP write_room) is held a while after its last write, then let go the same way.
 * Real peer processes, stock y-websocket clients, the SDK's MCP client.
 */
import { describe, expect, it } from 'vitest'
import { call, startAgent } from './helpers/mcp.js'
import { tempHome, waitFor } from './helpers/peers.js'
import { PORTS, range } from './helpers/ports.js'
import { meshOf, roomClient, roomHealth, roomsIdle, roomWhere } from './helpers/rooms.js'

const R = range(PORTS.roomsIdle)

describe('an idle room costs no link and no timer', () => {
  it('after every client leaves, even with a home SIGKILLed mid-use, links, retries, timers and held rooms reach 0 on every peer', async () => {
    const peers = await meshOf(tempHome(), 4, R)
    const [a, b, c, d] = peers as [(typeof peers)[0], (typeof peers)[0], (typeof peers)[0], (typeof peers)[0]]
    // One room whose homes include D, which no client uses: killing D leaves its links to retry.
    const rooms = [roomWhere('idle', peers.map((p) => p.id), (homes) => homes.includes(d.id)), 'idle-b', 'idle-c']
    const clients = rooms.flatMap((room) => [a, b, c].map((p, i) => ({ room, i, c: roomClient(p, room) })))
    clients.forEach(({ room, i, c: cl }) => cl.append(`${room}:${i};`))
    const full = (room: string, t: string) => [0, 1, 2].every((i) => t.includes(`${room}:${i};`))
    await waitFor(() => clients.every(({ room, c: cl }) => full(room, cl.text())), 'every client to hold every edit of its room')
    const busy = await Promise.all(peers.map(roomHealth))
    expect(busy.reduce((n, h) => n + h.roomLinks.outbound, 0)).toBeGreaterThan(0)

    await d.stop('SIGKILL')
    for (const { c: cl } of clients) cl.destroy()
    const survivors = [a, b, c]
    await waitFor(() => roomsIdle(survivors), 'no room, room link, retry or room timer left on any surviving peer')
    const idle = await Promise.all(survivors.map(roomHealth))
    expect(idle.map((h) => [h.rooms, h.roomLinks, h.roomTimers])).toEqual(survivors.map(() => [[], { outbound: 0, inbound: 0, connecting: 0, retrying: 0 }, 0]))

    // Idle, not gone: a new client gets the whole room back from disk.
    const back = roomClient(b, rooms[0]!)
    await waitFor(() => full(rooms[0]!, back.text()), 'the idle room to come back from disk')
  })

  it('a room an agent wrote is let go once it has been idle for --room-idle, and is read back from disk', async () => {
    const home = tempHome()
    const args = ['--ports', R, '--room-idle', '1']
    const [writer, reader] = await Promise.all([startAgent({ home, args, name: 'writer' }), startAgent({ home, args, name: 'reader' })])
    const token = new URL((await call(writer.client, 'dashboard_url')).data.url).hash.replace('#token=', '')
    await waitFor(async () => (await call(writer.client, 'list_peers')).data.count === 2, 'the two agents\' peers to see each other')
    const listed: { url: string; you: boolean }[] = (await call(writer.client, 'list_peers')).data.peers
    const peers = listed.map((p) => ({ url: p.url, token }))
    const mine = { url: listed.find((p) => p.you)!.url, token }
    await call(writer.client, 'write_room', { room: 'agent-plan', text: '1. parse;' })
    // Held while the agent writes: a second write inside the idle window finds the room still open.
    expect((await roomHealth(mine)).rooms).toContain('agent-plan')
    await call(writer.client, 'write_room', { room: 'agent-plan', append: '2. answer;' })
    await waitFor(() => roomsIdle(peers), 'the agent\'s room to be let go on both peers, with no link or timer left')
    expect((await call(reader.client, 'read_room', { room: 'agent-plan' })).data.text).toBe('1. parse;2. answer;')
    expect((await call(writer.client, 'read_room', { room: 'agent-plan' })).data.text).toBe('1. parse;2. answer;')
    const resource = await writer.client.readResource({ uri: 'peer-plan://rooms/agent-plan' })
    expect(resource.contents[0]).toMatchObject({ text: '1. parse;2. answer;' })
    // A read holds nothing.
    await waitFor(() => roomsIdle(peers), 'reads to leave nothing held')
  })
})
