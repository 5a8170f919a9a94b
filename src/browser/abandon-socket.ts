/**
 * Lets go of a page's WebSocket: no handler of ours runs again, and it is closed if still connecting
 * or open. `onerror` stays a no-op rather than null: Node's ws (the page's WebSocket in tests) throws
 * an 'error' with no listener when a socket still connecting is closed. close() on a connecting
 * socket abandons its handshake, which is what is meant.
 */
export const abandonSocket = (ws: WebSocket): void => {
  ws.onmessage = ws.onclose = ws.onopen = null
  ws.onerror = () => {}
  if (ws.readyState === ws.CONNECTING || ws.readyState === ws.OPEN) ws.close()
}
