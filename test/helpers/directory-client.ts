/**
 * A bare y-websocket client of a peer's `_directory` room, for attacks: as a stranger (no headers), as
 * a holder of the mesh key (the link header a peer sends), or as a person (the access token). Built on
 * the same wire table as the peers. `createConnection` carries the socket elsewhere (into a network
 * namespace, test/trust-netns.test.ts).
 */
import type { Duplex } from 'node:stream'
import { WebSocket } from 'ws'
import * as Y from 'yjs'
import { encodeSyncStep1, encodeUpdate, handleMessage } from '../../src/shared/wire.js'
import { LINK_HEADER, signLink } from '../../src/node/link-auth.js'
import { onTestFinished } from 'vitest'
import { tokenProtocols } from './peers.js'

export interface DirectoryClient {
  doc: Y.Doc
  ws: WebSocket
  /** Resolves when everything sent has left this process. */
  flushed(): Promise<void>
  closed: Promise<number>
}

/** `signedFor`: the URL the link proof names, if not `url` (what a relay that dialled on would pass on). */
export type DirectoryAuth = { key: Buffer; selfId: string; targetId: string; signedFor?: string } | { token: string }

export const directoryClient = async (url: string, auth?: DirectoryAuth, createConnection?: () => Duplex): Promise<DirectoryClient> => {
  const doc = new Y.Doc()
  const headers = auth && 'key' in auth ? { [LINK_HEADER]: signLink(auth.key, auth.selfId, auth.targetId, auth.signedFor ?? url).header } : {}
  const protocols = auth && 'token' in auth ? tokenProtocols(auth) : []
  const ws = new WebSocket(`${url.replace('http', 'ws')}/_directory`, protocols, { headers, ...(createConnection ? { createConnection: createConnection as never } : {}) })
  onTestFinished(() => ws.terminate())
  ws.on('error', () => {})
  const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)))
  const ctx = { doc, awareness: null, origin: ws }
  let synced!: () => void
  const ready = new Promise<void>((r) => (synced = r))
  ws.on('message', (data: Buffer) => {
    const reply = handleMessage(ctx, new Uint8Array(data))
    if (reply) ws.send(reply)
    // Step 2 from the server: the whole directory has arrived.
    if (data[0] === 0 && data[1] === 1) synced()
  })
  doc.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin !== ws && ws.readyState === WebSocket.OPEN) ws.send(encodeUpdate(update))
  })
  await new Promise((ok, fail) => (ws.once('open', ok), ws.once('unexpected-response', (_q, res) => fail(new Error(`answered ${res.statusCode}`)))))
  ws.send(encodeSyncStep1(doc))
  await ready
  const flushed = async () => {
    while (ws.readyState === WebSocket.OPEN && ws.bufferedAmount > 0) await new Promise((r) => setImmediate(r))
  }
  return { doc, ws, flushed, closed }
}
