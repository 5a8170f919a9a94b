/** Constants every side of the mesh agrees on. Changing one is a wire-protocol change: bump PROTOCOL_VERSION. */

// 2: peer links prove the key for the URL they dial (link header v2), and rooms answer the on-disk ask (type 64).
export const PROTOCOL_VERSION = 2

/** The reserved room that holds the shared directory doc. A leading underscore is never a valid user room. */
export const DIRECTORY_ROOM = '_directory'

/** The Y.Map inside the directory doc: peer id -> PeerEntry. */
export const DIRECTORY_MAP = 'peers'

/** Largest WebSocket message on the directory; a directory of hundreds of peers is a few tens of KiB. A room's is larger (node/room-limits.ts). */
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

/** Largest shared text an agent may leave in a room, in characters (4 bytes each at most, escaped in an MCP line under 4 MiB). */
export const MAX_ROOM_TEXT = 256 * 1024

/** An access token as peers make them (hex of an HMAC-SHA256): what the dashboard URL's #token= carries. */
export const isAccessToken = (token: unknown): token is string => typeof token === 'string' && /^[0-9a-f]{64}$/.test(token)

/**
 * Close codes a peer sends a peer-plan browser client (one that offers the `peer-plan` subprotocol and
 * sends an Origin) instead of refusing its upgrade with an HTTP status, which a browser cannot read.
 * 4400-4499 mirror HTTP 4xx: y-websocket stops reconnecting on them; 4503 is the page's to stop on.
 * `badRequest` is 4400 too: a query the peer will not take (the directory list's bad nonce).
 */
export const CLOSE_CODES = { roomName: 4400, badRequest: 4400, accessToken: 4401, origin: 4403, hostFull: 4429, peerFull: 4503 } as const

/**
 * `?registry` on a directory socket: the peer sends, before any y-websocket frame, one text frame
 * holding what GET /registry would answer that client (with `&proof=<nonce>`, its proof of the mesh
 * key, as /registry?proof= gives it). A page has the whole list after the socket's handshake, and the
 * live directory follows on the same socket (browser/discovery/head-start.ts says why).
 */
export const LIST_PARAM = 'registry'

/** The Vite plugin's routes on the dev server's own origin (peer-plan/vite), by default under /api. */
export const DEV_BASE = '/api'
/** The custom event the Vite plugin pushes over Vite's hot channel when the mesh changes: a /registry answer. */
export const DEV_REGISTRY_EVENT = 'peer-plan:registry'
/** Where the Vite plugin relays a loopback peer: `<base>/peer/<port>` + the peer's own path. */
export const devRelayPath = (base: string, port: number | string): string => `${base}/peer/${port}`
