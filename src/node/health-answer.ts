/**
 * The answer to GET /health: this peer's live entry with its link counts. A person (the access token)
 * also learns which rooms are open here, which are stored here, the room links and the TCP connections
 * (held, cap, closed to make room); a stranger learns no room name at all, not even the ones this
 * peer's own directory entry lists.
 */
import { DIRECTORY_ROOM } from '../shared/protocol.js'
import type { HealthResponse, PeerEntry } from '../shared/schema.js'

export interface HealthSources {
  /** This peer's entry as the directory holds it now (name, agents and rooms change). */
  live(): PeerEntry
  /** Peers the directory lists, this one included. */
  peerCount(): number
  mesh: { outboundCount(): number }
  rooms: { readonly rooms: ReadonlyMap<string, unknown>; inboundPeers(): ReadonlySet<string>; inboundRoomLinks(): number; pinCount(): number }
  roomLinks: { outboundCount(): number; connectingCount(): number; retryCount(): number }
  connections: { readonly held: number; readonly cap: number; readonly evicted: number }
}

export const healthAnswer =
  (src: HealthSources) =>
  (person = true): HealthResponse => {
    const { rooms: _listed, storedRooms, ...self } = src.live()
    const out: HealthResponse = {
      ...self,
      ok: true,
      peers: src.peerCount(),
      links: { outbound: src.mesh.outboundCount(), inbound: src.rooms.inboundPeers().size }
    }
    if (!person) return out
    // What an idle room costs, counted: links up and connecting, retry timers, rooms pinned by an agent's write.
    const links = {
      outbound: src.roomLinks.outboundCount(),
      inbound: src.rooms.inboundRoomLinks(),
      connecting: src.roomLinks.connectingCount(),
      retrying: src.roomLinks.retryCount()
    }
    return {
      ...out,
      ...(storedRooms ? { storedRooms } : {}),
      rooms: [...src.rooms.rooms.keys()].filter((r) => r !== DIRECTORY_ROOM),
      roomLinks: links,
      roomTimers: links.retrying + src.rooms.pinCount(),
      connections: { held: src.connections.held, cap: src.connections.cap, evicted: src.connections.evicted }
    }
  }
