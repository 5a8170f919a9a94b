/**
 * This peer's copy of a room, for its agent: opened from disk and caught up with the room's homes when
 * it is not held already. A read lets it go again at once; a write pins it for a while (room-pins.ts),
 * so a room the agent wrote does not stay in memory for the life of the peer.
 */
import type { PeerEntry } from '../../shared/schema.js'
import type { Peer } from '../peer.js'

/** Yjs and the y-websocket client load on first use: `initialize` is answered before the peer's modules load. */
export const roomText = () => import('../room-text.js')

/** The other peers `room` lives on: where a room this peer does not hold yet is caught up from. */
const otherHomes = (peer: Peer, room: string): PeerEntry[] =>
  peer.roomLinks.homes(room).flatMap((id) => (id === peer.entry.id ? [] : peer.peers().filter((p) => p.id === id)))

/** The room, held here (pinned when `keep`); null when this peer hosts its maximum of rooms. */
export const openHere = async (peer: Peer, room: string, keep: boolean) => {
  const held = peer.rooms.rooms.get(room)
  // The agent is this peer's own: charged like any loopback client.
  const local = held ?? peer.rooms.getRoom(room, '127.0.0.1')
  if (!local) return null
  if (keep) peer.rooms.pin(room)
  if (!held) await (await roomText()).catchUp(local.doc, room, otherHomes(peer, room), (home) => peer.roomDial(home))
  return local
}

/** The room's text through this peer, opened only for the read if it was not held; null as above. */
export const readHere = async (peer: Peer, room: string): Promise<string | null> => {
  const local = await openHere(peer, room, false)
  if (!local) return null
  const text = (await roomText()).readText(local.doc)
  peer.rooms.release(room)
  return text
}
