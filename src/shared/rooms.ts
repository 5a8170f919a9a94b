/**
 * The rooms of the mesh as the directory tells them: each peer's entry lists the rooms it holds now
 * (`rooms`) and those kept on disk in its home (`storedRooms`). Read by list_rooms and the dashboard.
 */
import type { PeerEntry } from './schema.js'

export interface RoomRow {
  room: string
  /** Peers holding the room open now (its clients' peers and its homes), by id. */
  openOn: string[]
  /** Some peer's home keeps it on disk. */
  stored: boolean
}

export const roomRows = (peers: PeerEntry[]): RoomRow[] => {
  const rows = new Map<string, RoomRow>()
  const row = (room: string) => rows.get(room) ?? rows.set(room, { room, openOn: [], stored: false }).get(room)!
  for (const p of peers) {
    for (const r of p.rooms ?? []) row(r).openOn.push(p.id)
    for (const r of p.storedRooms ?? []) row(r).stored = true
  }
  return [...rows.values()].sort((a, b) => a.room.localeCompare(b.room))
}
