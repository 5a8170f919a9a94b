/** Constants every side of the mesh agrees on. Changing one is a wire-protocol change: bump PROTOCOL_VERSION. */

export const PROTOCOL_VERSION = 1

/** The reserved room that holds the shared directory doc. A leading underscore is never a valid user room. */
export const DIRECTORY_ROOM = '_directory'

/** The Y.Map inside the directory doc: peer id -> PeerEntry. */
export const DIRECTORY_MAP = 'peers'

/** Largest WebSocket message a peer accepts; a directory of hundreds of peers is a few tens of KiB. */
export const MAX_PAYLOAD_BYTES = 1024 * 1024

export const DEFAULT_HOST = '127.0.0.1'
export const DEFAULT_PORTS: readonly [number, number] = [1234, 1244]

const ROOM_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/

/** User rooms: 1-128 chars of [A-Za-z0-9._-], not starting with a dot, dash or underscore. */
export const isValidRoomName = (name: string): boolean => ROOM_RE.test(name)

/** What a WebSocket path may name: a user room or the directory. */
export const isServableRoom = (name: string): boolean => name === DIRECTORY_ROOM || isValidRoomName(name)

/** The convention for a room's shared text: the Y.Text of this name in the room's doc (agents write it, pages show it). */
export const ROOM_TEXT = 'content'

/** Largest shared text an agent may leave in a room, in characters: the room must still sync in one MAX_PAYLOAD_BYTES frame. */
export const MAX_ROOM_TEXT = 256 * 1024
