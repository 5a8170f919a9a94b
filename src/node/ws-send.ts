/**
 * Sending on a room connection, and waiting for what is queued: the one way the room server writes,
 * and the one wait for queued bytes (room server, directory and room links, the agent's room client);
 * and the one way a peer closes a connection it refuses or cuts off.
 * A client that stops reading is cut off once `maxBuffered` bytes wait for it, so a slow reader
 * never grows the peer's memory without bound.
 */
import type { WebSocket } from 'ws'
import type { Logger } from './log.js'

export const sendFrame = (ws: WebSocket, msg: Uint8Array, maxBuffered: number, log: Logger): void => {
  if (ws.readyState !== ws.OPEN) return
  if (ws.bufferedAmount > maxBuffered) {
    log.warn('closing a connection that stopped reading')
    ws.terminate()
    return
  }
  ws.send(msg, (err) => {
    if (err) ws.terminate()
  })
}

/** Waits until every socket has handed its queued bytes to the kernel, or maxMs passes. */
export const drainSockets = async (sockets: () => Iterable<WebSocket>, maxMs: number): Promise<void> => {
  const until = Date.now() + maxMs
  while (Date.now() < until && [...sockets()].some((ws) => ws.readyState === ws.OPEN && ws.bufferedAmount > 0)) {
    await new Promise((r) => setTimeout(r, 5))
  }
}

/**
 * Says why (a close code the client can read), then hangs up 100 ms later without waiting for its
 * answer: ws's own close waits 30 s for the client's close frame, on an upgraded socket the connection
 * cap never counts idle (conn-cap.ts), so clients that never answer could hold every connection the
 * peer may have. The room server's cut-offs and the upgrade handler's refusals both close this way.
 */
export const closeAndHangUp = (ws: WebSocket, code: number, reason: string): void => {
  ws.close(code, reason)
  setTimeout(() => ws.terminate(), 100).unref()
}
