/**
 * The shared text of a room, by convention the Y.Text named `content` of the room's doc: what an agent
 * publishes (a plan) and what a browser page shows live and edits. Rooms of this peer are read and
 * written in process; another peer's room through a y-websocket client that syncs, acts and hangs up.
 */
import { WebSocket } from 'ws'
import { WebsocketProvider } from 'y-websocket'
import type { LinkDial } from './link-auth.js'
import { DURABLE, encodeDurableAsk, messageDurable } from './room-durable.js'
import { drainSockets } from './ws-send.js'
import * as decoding from 'lib0/decoding'
import * as Y from 'yjs'
import { MAX_ROOM_TEXT, ROOM_TEXT } from '../shared/protocol.js'

export type RoomEdit = { text: string } | { append: string }

export class RoomTextError extends Error {}

export const readText = (doc: Y.Doc): string => doc.getText(ROOM_TEXT).toString()

/** Replaces or appends; returns the new length. Refuses (changing nothing) past MAX_ROOM_TEXT. */
export const applyEdit = (doc: Y.Doc, edit: RoomEdit): number => {
  const text = doc.getText(ROOM_TEXT)
  const next = 'text' in edit ? edit.text.length : text.length + edit.append.length
  if (next > MAX_ROOM_TEXT) throw new RoomTextError(`the room's text would be ${next} characters; at most ${MAX_ROOM_TEXT}`)
  doc.transact(() => {
    if ('text' in edit) {
      text.delete(0, text.length)
      text.insert(0, edit.text)
    } else text.insert(text.length, edit.append)
  })
  return text.length
}

/** A fresh link handshake for each connection to one peer: Peer.roomDial for that peer. */
export type RoomDial = () => LinkDial

/**
 * ws for y-websocket's provider: each connection shows a fresh link proof (a nonce is taken once, and
 * the provider may reconnect), and one whose answer does not prove the mesh key, or that is refused, is
 * cut before its first frame and reported.
 */
const provenSocket = (dial: RoomDial, refused: (why: string) => void) =>
  class extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      const auth = dial()
      super(address, protocols, { headers: auth.headers, perMessageDeflate: false })
      this.on('upgrade', (res) => {
        if (auth.proves(res.headers)) return
        refused('that peer did not prove the mesh key')
        this.terminate()
      })
      this.on('unexpected-response', (_req, res) => {
        refused(`that peer refused the connection: HTTP ${res.statusCode ?? '?'}`)
        this.terminate()
      })
    }
  }

/**
 * Opens `room` on the peer at `url`, waits for the first sync, runs `act` on the doc, and closes once
 * the changes have been handed to the socket, or with `durable`, once that peer says they are on its
 * disk (room-durable.ts). The remote room lives only while someone is connected.
 *
 * The connection is a peer link (`dial`: link-auth.ts), marked as a client's, never the access token: a
 * process that took a dead peer's port before the mesh evicted it is shown a proof usable nowhere else,
 * and it cannot answer as that peer, since it cannot prove the mesh key back.
 */
export function withRemoteRoom<T>(url: string, room: string, dial: RoomDial, act: (doc: Y.Doc) => T, timeoutMs?: number): Promise<T>
export function withRemoteRoom<T>(url: string, room: string, dial: RoomDial, act: (doc: Y.Doc) => T, timeoutMs: number | undefined, durable: true): Promise<{ result: T; kept: boolean }>
export async function withRemoteRoom<T>(url: string, room: string, dial: RoomDial, act: (doc: Y.Doc) => T, timeoutMs = 3000, durable = false): Promise<T | { result: T; kept: boolean }> {
  const doc = new Y.Doc()
  let refuse: (why: string) => void = () => {}
  const Socket = provenSocket(dial, (why) => refuse(why))
  const provider = new WebsocketProvider(url.replace(/^http/, 'ws'), room, doc, { WebSocketPolyfill: Socket as never, disableBc: true, maxBackoffTime: 500 })
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new RoomTextError(`room ${room} at ${url} did not sync within ${timeoutMs} ms`)), timeoutMs)
      refuse = (why) => {
        clearTimeout(timer)
        reject(new RoomTextError(`room ${room} at ${url}: ${why}`))
      }
      provider.on('sync', (synced: boolean) => {
        if (!synced) return
        clearTimeout(timer)
        resolve()
      })
    })
    const result = act(doc)
    const ws = provider.ws as unknown as WebSocket | null
    if (durable) return { result, kept: await onDisk(provider, room, url, timeoutMs) }
    if (ws) await drainSockets(() => [ws], timeoutMs)
    return result
  } finally {
    provider.destroy()
    doc.destroy()
  }
}

/** Asks the peer whether what this provider sent is on its disk: its answer, or a rejection if none comes in time. */
const onDisk = (provider: WebsocketProvider, room: string, url: string, timeoutMs: number): Promise<boolean> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new RoomTextError(`room ${room} at ${url}: the write was sent, but that peer did not confirm it on disk within ${timeoutMs} ms`)), timeoutMs)
    provider.messageHandlers[messageDurable] = (_encoder, decoder) => {
      decoding.readVarUint(decoder)
      const status = decoding.readVarUint(decoder)
      clearTimeout(timer)
      resolve(status === DURABLE)
    }
    ;(provider.ws as unknown as WebSocket | null)?.send(encodeDurableAsk(1))
  })

/**
 * Brings `doc` (a room this peer has just opened from disk) up to the mesh's copy, read from the first
 * of the room's homes that answers. A room nobody holds open is on disk: then the disk's copy stands.
 */
export const catchUp = async <H extends { url: string }>(doc: Y.Doc, room: string, homes: H[], dial: (home: H) => LinkDial, timeoutMs = 1500): Promise<void> => {
  for (const home of homes) {
    try {
      Y.applyUpdate(doc, await withRemoteRoom(home.url, room, () => dial(home), (d) => Y.encodeStateAsUpdate(d), timeoutMs))
      return
    } catch {
      // That home is gone or slow: the next one, or the disk.
    }
  }
}
