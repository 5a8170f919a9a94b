/**
 * read_room, write_room and a catch-up open another peer's room as a peer link marked as a client's
 * (link-auth.ts), never with the access token: whatever holds that URL (a process that took a dead
 * peer's port) learns nothing usable elsewhere, and cannot answer as the peer without the mesh key.
 */
import { readFileSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'
import { dialRoomAsClient, LINK_HEADER, ROOM_CLIENT_HEADER, signLink } from '../src/node/link-auth.js'
import { applyEdit, readText, withRemoteRoom } from '../src/node/room-text.js'
import { PORTS, range } from './helpers/ports.js'
import { roomHealth, roomWhere } from './helpers/rooms.js'
import { allSee, spawnPeer, tempHome, waitFor } from './helpers/peers.js'
import { testScope } from './helpers/scope.js'

const keyOf = (home: string) => Buffer.from(readFileSync(join(home, 'mesh.key'), 'utf8').trim(), 'hex')
const ME = 'bbbbbbbbbbbbbbbb'
const ports = range([PORTS.roomDial[0], PORTS.roomDial[1] - 1])

/** A raw WebSocket to `room` at `peer` with `headers`, open until the test ends. */
const rawRoom = async (peer: { url: string }, room: string, headers: Record<string, string>) => {
  const ws = new WebSocket(`${peer.url.replace(/^http/, 'ws')}/${room}`, { headers })
  testScope().defer(() => ws.terminate())
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)))
  return ws
}

describe("a tool's connection to another peer's room", () => {
  it('writes durably and reads back with a link proof, and a wrong key is refused at once', async () => {
    const home = tempHome()
    const peer = await spawnPeer({ home, args: ['--ports', ports] })
    const dial = () => dialRoomAsClient(keyOf(home), ME, peer.id, peer.url)
    const wrote = await withRemoteRoom(peer.url, 'dialled', dial, (doc) => applyEdit(doc, { text: 'hello' }), undefined, true)
    expect(wrote).toEqual({ result: 5, kept: true })
    expect(await withRemoteRoom(peer.url, 'dialled', dial, readText)).toBe('hello')
    const wrong = () => dialRoomAsClient(Buffer.alloc(32, 7), ME, peer.id, peer.url)
    await expect(withRemoteRoom(peer.url, 'dialled', wrong, readText, 30_000)).rejects.toThrow(/refused the connection: HTTP 401/)
  })

  it("counts as a client's interest there (the room is linked to its other home), not as a room link", async () => {
    const home = tempHome()
    const a = await spawnPeer({ home, args: ['--ports', ports] })
    const b = await spawnPeer({ home, args: ['--ports', ports] })
    await waitFor(() => allSee([a, b], [a.id, b.id]), 'the two peers to see each other')
    const room = roomWhere('dial', [a.id, b.id], (homes) => homes.includes(a.id) && homes.includes(b.id))
    await rawRoom(a, room, dialRoomAsClient(keyOf(home), b.id, a.id, a.url).headers)
    await waitFor(async () => (await roomHealth(a)).roomLinks.outbound === 1, 'a to link the room to b')
    expect((await roomHealth(a)).roomLinks.inbound).toBe(0)
    // The same proof without the mark is a room link of b's: no interest of a's, one inbound link.
    const other = roomWhere('link', [a.id, b.id], (homes) => homes.includes(a.id) && homes.includes(b.id))
    await rawRoom(a, other, { [LINK_HEADER]: signLink(keyOf(home), b.id, a.id, a.url).header })
    await waitFor(async () => (await roomHealth(a)).roomLinks.inbound === 1, 'the link to be counted')
    expect((await roomHealth(a)).rooms.sort()).toEqual([room, other].sort())
    expect((await roomHealth(a)).roomLinks.outbound).toBe(1)
  })

  it('shows whatever holds the URL no token, and takes nothing from a server that cannot prove the key', async () => {
    const seen: IncomingHttpHeaders[] = []
    const server = createServer((_req, res) => res.writeHead(404).end())
    const wss = new WebSocketServer({ server })
    wss.on('headers', (_headers, req) => seen.push(req.headers))
    wss.on('connection', (ws) => ws.on('error', () => {}))
    const port = PORTS.roomDial[1]
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r))
    testScope().defer(() => (wss.close(), server.close()))
    const url = `http://127.0.0.1:${port}`
    const dial = () => dialRoomAsClient(Buffer.alloc(32, 9), ME, 'cccccccccccccccc', url)
    await expect(withRemoteRoom(url, 'squatted', dial, (doc) => applyEdit(doc, { text: 'secret plan' }), 30_000, true)).rejects.toThrow(/did not prove the mesh key/)
    expect(seen.length).toBeGreaterThan(0)
    for (const headers of seen) {
      expect(headers.authorization).toBeUndefined()
      expect(headers['sec-websocket-protocol']).toBeUndefined()
      expect(headers[LINK_HEADER]).toMatch(new RegExp(`^v2 ${ME} cccccccccccccccc ${url.replace(/\./g, '\\.')} `))
      expect(headers[ROOM_CLIENT_HEADER]).toBe('1')
    }
  })
})
