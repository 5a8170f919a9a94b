/**
 * The reasons a peer refuses a room for good, as errors a page can catch by name. The peer says why
 * with a close code (shared/protocol.ts CLOSE_CODES) after letting peer-plan's client in, since a browser
 * cannot read the HTTP status of a refused upgrade; y-websocket would otherwise retry for ever.
 */
import { CLOSE_CODES } from '../shared/protocol.js'

export class RoomError extends Error {
  constructor(
    readonly room: string,
    /** The WebSocket close code the peer sent (CLOSE_CODES), or CLOSE_CODES.roomName for a name refused here. */
    readonly code: number,
    message: string
  ) {
    super(message)
  }
}

/** Not a room name: 1-128 of [A-Za-z0-9._-], not starting with . - or _. */
export class RoomNameError extends RoomError {
  override name = 'RoomNameError'
}

/** The page showed no access token, or a wrong one (the `#token=` of the URL a peer prints). */
export class AccessTokenError extends RoomError {
  override name = 'AccessTokenError'
}

/** The peer holds its maximum of rooms (or of rooms from this host): open the room on another peer. */
export class PeerFullError extends RoomError {
  override name = 'PeerFullError'
}

/** A close the page should not retry: the 4400-4499 block (as y-websocket), and a full peer. */
export const isFinalClose = (code: number): boolean => (code >= 4400 && code < 4500) || code === CLOSE_CODES.peerFull

/** The named error for a close code, or null for a close worth retrying. */
export const roomErrorFor = (room: string, code: number, reason: string): RoomError | null => {
  const why = reason ? `: ${reason}` : ''
  if (code === CLOSE_CODES.roomName) return new RoomNameError(room, code, `room ${JSON.stringify(room)} is not a room name${why}`)
  if (code === CLOSE_CODES.accessToken) return new AccessTokenError(room, code, `room ${room} needs the mesh's access token (joinMesh({ token })): the peer said${why || ' no'}`)
  if (code === CLOSE_CODES.peerFull || code === CLOSE_CODES.hostFull) return new PeerFullError(room, code, `room ${room}: the peer is full${why}`)
  if (isFinalClose(code)) return new RoomError(room, code, `room ${room} refused (${code})${why}`)
  return null
}
