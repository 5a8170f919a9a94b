/** Stock y-websocket clients of a room on a peer, for the rooms tests (closed when the test ends). */
import { WebSocket } from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { testScope } from './scope.js'

export interface RoomClient {
  doc: Y.Doc
  provider: WebsocketProvider
  text(): string
  append(s: string): void
  destroy(): void
}

/** A stock WebsocketProvider on `room` at `peer`, showing the token as stock clients do (a URL parameter). */
export const roomClient = (peer: { url: string; token: string }, room: string, scope = testScope()): RoomClient => {
  const doc = new Y.Doc()
  const provider = new WebsocketProvider(peer.url.replace(/^http/, 'ws'), room, doc, { WebSocketPolyfill: WebSocket as never, disableBc: true, params: { token: peer.token }, maxBackoffTime: 500 })
  const destroy = () => {
    provider.destroy()
    doc.destroy()
  }
  scope.defer(destroy)
  const text = doc.getText('content')
  return { doc, provider, text: () => text.toString(), append: (s) => text.insert(text.length, s), destroy }
}
