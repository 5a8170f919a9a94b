/**
 * A room opened through the mesh: one Y.Doc, one y-websocket provider on the peer that hosts it, and,
 * when asked, a y-indexeddb copy. The provider follows the mesh: when its peer leaves the directory (or
 * the mesh fails over to a peer that is not it), it is rebuilt on the mesh's current peer around the
 * same doc, so the doc never forks.
 */
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { IndexeddbPersistence } from 'y-indexeddb'
import type { PeerEntry } from '../shared/schema.js'
import type { Mesh, StatusEvent } from './mesh.js'

export interface OpenOptions {
  /** A peer id or base URL; default: the mesh's current peer. */
  peer?: string
  doc?: Y.Doc
  /** Keep the doc in IndexedDB (database `peer-plan:room:<room>`) as well. */
  persist?: boolean
}

export interface RoomHandle {
  doc: Y.Doc
  readonly provider: WebsocketProvider
  /** The peer currently hosting this room connection. */
  readonly peer: string
  /** Resolves once the IndexedDB copy has been loaded into the doc (at once without `persist`). */
  readonly persisted: Promise<void>
  destroy(): void
}

export const wsBase = (url: string): string => url.replace(/^http/, 'ws')

/** The token rides in a subprotocol, never in the URL; the peer answers with the plain `peer-plan`. */
const connect = (peer: string, room: string, doc: Y.Doc, token: string | null) =>
  new WebsocketProvider(wsBase(peer), room, doc, { disableBc: true, maxBackoffTime: 1000, protocols: token ? ['peer-plan', `peer-plan.token.${token}`] : [] })

export const openRoom = (mesh: Mesh, room: string, options: OpenOptions): RoomHandle => {
  const doc = options.doc ?? new Y.Doc()
  const local = options.persist ? new IndexeddbPersistence(`peer-plan:room:${room}`, doc) : null
  const named = options.peer ? mesh.peers.find((p) => p.id === options.peer || p.url === options.peer) : null
  let peer = named?.url ?? options.peer ?? mesh.currentUrl
  let provider = connect(peer, room, doc, mesh.token)
  const move = () => {
    const next = mesh.currentUrl
    if (!next || next === peer) return
    provider.destroy()
    peer = next
    provider = connect(peer, room, doc, mesh.token)
  }
  const onRemoved = (p: PeerEntry) => {
    if (p.url === peer) move()
  }
  const onStatus = (e: StatusEvent) => {
    if (e.status === 'connected' && !mesh.peers.some((p) => p.url === peer)) move()
  }
  mesh.on('peer-removed', onRemoved)
  mesh.on('status', onStatus)
  return {
    doc,
    get provider() {
      return provider
    },
    get peer() {
      return peer
    },
    persisted: local ? local.whenSynced.then(() => undefined) : Promise.resolve(),
    destroy: () => {
      mesh.off('peer-removed', onRemoved)
      mesh.off('status', onStatus)
      provider.destroy()
      void local?.destroy()
    }
  }
}
