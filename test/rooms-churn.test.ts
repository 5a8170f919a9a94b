/**
 * Joining and leaving never fork a room (issue 11): clients sit on several peers of one room while peers
 * join (the room's homes on the id ring move to them) and leave (a home SIGKILLed, another peer
 * SIGTERMed), with edits through every client all along; every client, and a new client on every live
 * peer, ends with one and the same text holding every edit once. Real peer processes, stock y-websocket
 * clients.
 */
import { describe, expect, it } from 'vitest'
import { roomHomes } from '../src/node/topology.js'
import { allSee, spawnPeer, tempHome, waitFor, type PeerProc } from './helpers/peers.js'
import { PORTS, range } from './helpers/ports.js'
import { meshOf, roomClient, roomWhere, type RoomClient } from './helpers/rooms.js'

const R = range(PORTS.roomsChurn)
const ids = (peers: PeerProc[]) => peers.map((p) => p.id)

describe('a room through peers joining and leaving', () => {
  it('clients on three peers, two peers joining, a home SIGKILLed and a peer SIGTERMed, one more joining: one doc, every edit once', async () => {
    const home = tempHome()
    const spawn = () => spawnPeer({ home, args: ['--ports', R] })
    const first = await meshOf(home, 4, R)
    const [a, b, c, d] = first as [PeerProc, PeerProc, PeerProc, PeerProc]
    // D, which no client uses, is one of the room's first homes: the room lives partly on a peer with no client.
    const room = roomWhere('churn', ids(first), (homes) => homes.includes(d.id))
    const clients = new Map<PeerProc, RoomClient>([a, b, c].map((p) => [p, roomClient(p, room)]))
    const written: string[] = []
    const edit = (phase: string) => [...clients.values()].forEach((cl, i) => {
      cl.append(`[${phase}-${i}]`)
      written.push(`[${phase}-${i}]`)
    })
    const oneDoc = (what: string) => waitFor(() => {
      const texts = [...clients.values()].map((cl) => cl.text())
      return texts.every((t) => t === texts[0]) && written.every((w) => texts[0]!.includes(w))
    }, what)

    edit('before')
    await oneDoc('the clients to agree before any churn')

    // Joins: the homes may move to the newcomers while the clients write.
    const joining = Promise.all([spawn(), spawn()])
    edit('joining')
    const live = [...first, ...(await joining)]
    edit('joined')
    await waitFor(() => allSee(live, ids(live)), 'six peers to see each other')
    await oneDoc('the clients to agree after two joins')

    // Leaves: SIGKILL a current home (one with no client if there is one) and SIGTERM a peer that is neither.
    const homes = roomHomes(room, ids(live))
    const victim = live.find((p) => homes.includes(p.id) && !clients.has(p)) ?? live.find((p) => p.id === homes[0])!
    const leaver = live.find((p) => p !== victim && !homes.includes(p.id) && !clients.has(p))!
    // A client on the victim has had all its edits taken by now (oneDoc above); it goes with its peer.
    clients.get(victim)?.destroy()
    clients.delete(victim)
    const leaving = Promise.all([victim.stop('SIGKILL'), leaver.stop('SIGTERM')])
    edit('leaving')
    await leaving
    const rest = live.filter((p) => p !== victim && p !== leaver)
    const late = await spawn()
    rest.push(late)
    edit('rejoined')
    await waitFor(() => allSee(rest, ids(rest)), 'the peers left and the late joiner to see each other')
    await oneDoc('the clients to agree after a home was killed, a peer left and another joined')

    // One doc wherever you connect: a new client on every live peer gets exactly the clients' text.
    const text = [...clients.values()][0]!.text()
    const fresh = rest.map((p) => roomClient(p, room))
    await waitFor(() => fresh.every((cl) => cl.text() === text), 'a new client on every live peer to get the same text')
    // Every edit exactly once: the text is the written tokens interleaved, nothing lost and nothing doubled.
    expect(text.length).toBe(written.join('').length)
    for (const w of written) expect(text.split(w).length - 1, w).toBe(1)
  })
})
