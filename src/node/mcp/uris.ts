/**
 * The MCP resource URIs and the room list, apart from resources.ts so the host can use them without
 * loading the MCP SDK: a peer that no agent talks to never loads it.
 */
import { DIRECTORY_ROOM } from '../../shared/protocol.js'
import type { Peer } from '../peer.js'

export const PEERS_URI = 'peer-plan://peers'
export const INBOX_URI = 'peer-plan://inbox'
export const ROOM_URI_PREFIX = 'peer-plan://rooms/'

export const userRooms = (peer: Peer): string[] => [...peer.rooms.rooms.keys()].filter((n) => n !== DIRECTORY_ROOM).sort()
