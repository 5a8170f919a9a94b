/** Stock y-websocket clients of a room on a peer, for the rooms tests (closed when the test ends). */
import { WebSocket } from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { roomHomes } from '../../src/node/topology.js'
import { allSee, getJson, spawnPeer, waitFor, type PeerProc } from './peers.js'
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

/** What /health says about rooms, with the token (room facts are for people only). */
export interface RoomHealth {
  rooms: string[]
  roomLinks: { outbound: number; inbound: number; connecting: number; retrying: number }
  roomTimers: number
}

export const roomHealth = (peer: { url: string; token: string }): Promise<RoomHealth> =>
  getJson<RoomHealth>(`${peer.url}/health`, { Authorization: `Bearer ${peer.token}` })

/** True when no peer holds a room, a room link (up or connecting), a retry or any other room timer. */
export const roomsIdle = async (peers: { url: string; token: string }[]): Promise<boolean> => {
  const hs = await Promise.all(peers.map(roomHealth))
  return hs.every((h) => h.rooms.length === 0 && h.roomTimers === 0 && Object.values(h.roomLinks).every((n) => n === 0))
}

/** `n` peers of one home on the port range `ports`, started one after another, once they all see each other. */
export const meshOf = async (home: string, n: number, ports: string): Promise<PeerProc[]> => {
  const peers: PeerProc[] = []
  for (let i = 0; i < n; i++) peers.push(await spawnPeer({ home, args: ['--ports', ports] }))
  await waitFor(() => allSee(peers, peers.map((p) => p.id)), `${n} peers to see each other`)
  return peers
}

/** The first room name `<prefix>-<i>` whose home peers among `ids` satisfy `want` (topology.ts decides). */
export const roomWhere = (prefix: string, ids: string[], want: (homes: string[]) => boolean): string => {
  for (let i = 0; ; i++) if (want(roomHomes(`${prefix}-${i}`, ids))) return `${prefix}-${i}`
}
