/**
 * The page's WebSocket, in Node: ws's client (a real one with the same interface) as the global
 * `WebSocket` for the tests of the file that calls this, and the global as it was after each.
 */
import { afterEach, beforeEach } from 'vitest'
import { WebSocket } from 'ws'

export const usePageWebSocket = (): void => {
  const own = (globalThis as { WebSocket?: unknown }).WebSocket
  beforeEach(() => void ((globalThis as { WebSocket?: unknown }).WebSocket = WebSocket))
  afterEach(() => void ((globalThis as { WebSocket?: unknown }).WebSocket = own))
}
