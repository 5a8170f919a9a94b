/**
 * A room opened through the mesh: one Y.Doc, one y-websocket provider on one peer, and, when asked, a
 * y-indexeddb copy. A room is one doc across the mesh (peers link each room to its home peers), so any
 * peer will do. The provider follows the mesh: when its peer leaves the directory, or the mesh fails
 * over while the room's socket is down, it is rebuilt on the mesh's current peer around the same doc;
 * Yjs sync then sends the new peer whatever the page wrote meanwhile, so the doc never forks.
 */
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { IndexeddbPersistence } from 'y-indexeddb'
import { backoffMs, waitMs } from '../shared/backoff.js'
import { CLOSE_CODES, isValidRoomName } from '../shared/protocol.js'
import type { PeerEntry } from '../shared/schema.js'
import type { KeyProofs } from './discovery/key-proofs.js'
import { wsBase } from './discovery/source.js'
import { AccessTokenError, isFinalClose, roomErrorFor, RoomNameError, type RoomError } from './errors.js'
import type { Mesh, StatusEvent } from './mesh.js'

export interface OpenOptions {
  /** A peer id or base URL; default: the mesh's current peer. */
  peer?: string
  doc?: Y.Doc
  /** Keep the doc in IndexedDB (database `peer-plan:room:<room>`) as well. */
  persist?: boolean
  /** false: no awareness state of this page on any provider, so other clients do not list it (a watcher). */
  presence?: boolean
}

export interface RoomHandle {
  doc: Y.Doc
  readonly provider: WebsocketProvider
  /** The peer currently hosting this room connection. */
  readonly peer: string
  /** Resolves once the IndexedDB copy has been loaded into the doc (at once without `persist`). */
  readonly persisted: Promise<void>
  /**
   * Resolves when the room first syncs; rejects with a named error (RoomNameError, AccessTokenError,
   * PeerFullError) when the peer refuses the room for good, and then the handle stops reconnecting.
   */
  readonly ready: Promise<void>
  /** The refusal, once there is one. */
  readonly error: RoomError | null
  destroy(): void
}

/**
 * The token rides in a subprotocol, never in the URL; the peer answers with the plain `peer-plan`,
 * which is offered even without a token so a refusal comes back as a close code the page can read.
 */
export const tokenProtocols = (token: string | null): string[] => (token ? ['peer-plan', `peer-plan.token.${token}`] : ['peer-plan'])

interface Link {
  token: string | null
  presence: boolean
  refused: (e: RoomError) => void
  /**
   * With the token: the socket opens only once the peer has proved the key (key-proofs.ts), and after a
   * close it is reopened by `reprove` (which proves it again), never by y-websocket on its own: a process
   * that took a dead peer's port would have been shown the token on the next retry.
   */
  gate: Gate | null
  /** false: the page had disconnected the room it followed here (move()), so it stays closed. */
  wanted: boolean
}

/**
 * A room's proof state, with the token. `fresh`: the peer proved the key since the socket last closed;
 * `wanted`: the page wants the room connected (false after its own `provider.disconnect()`).
 */
interface Gate {
  fresh: boolean
  wanted: boolean
  /** Proves the peer again, then opens the socket (unless no longer wanted); `afterClose` waits first. */
  reprove: (afterClose: boolean) => void
}

/**
 * The provider is the page's own, so its `disconnect()` and later `connect()` are the page's to call.
 * y-websocket's connect() would reopen at once with the token in the subprotocol, to whatever holds the
 * port by then: with the token, connect() proves the peer again first unless nothing closed since the
 * last proof. `open`: the unguarded connect, for the gate's own use once the peer has proved the key.
 */
const guardConnect = (provider: WebsocketProvider, gate: Gate): { open: () => void } => {
  const connectNow = provider.connect.bind(provider)
  const disconnectNow = provider.disconnect.bind(provider)
  provider.connect = () => {
    gate.wanted = true
    if (gate.fresh) connectNow()
    else gate.reprove(false)
  }
  provider.disconnect = () => {
    gate.wanted = false
    disconnectNow()
  }
  return {
    open: () => {
      gate.fresh = true
      connectNow()
    }
  }
}

const connect = (url: string, room: string, doc: Y.Doc, { token, presence, refused, gate, wanted }: Link): { provider: WebsocketProvider; open: () => void } => {
  const provider = new WebsocketProvider(wsBase(url), room, doc, {
    disableBc: true,
    maxBackoffTime: 1000,
    protocols: tokenProtocols(token),
    connect: wanted && isValidRoomName(room) && (!gate || gate.fresh),
    shouldReconnect: (event) => !isFinalClose(event.code) && !gate
  })
  // Before the socket opens: a provider sends its awareness state on open only when there is one.
  if (!presence) provider.awareness.setLocalState(null)
  const guarded = gate && guardConnect(provider, gate)
  provider.on('connection-close', (event) => {
    if (gate) gate.fresh = false
    const err = event && roomErrorFor(room, event.code, event.reason)
    if (err) refused(err)
    // No event: y-websocket's watchdog cut a socket silent for 30 s, and redials on its own without asking
    // shouldReconnect; or disconnect(), which clears shouldConnect first and is left alone.
    else if (gate && (event || provider.shouldConnect)) {
      provider.shouldConnect = false
      gate.reprove(true)
    }
  })
  return { provider, open: guarded ? guarded.open : () => provider.connect() }
}

/** How long a room's peer may take to prove the key before it is asked again. */
const PROVE_TIMEOUT_MS = 2000

/**
 * Proves `url` (again), then opens `provider`'s socket; retried with backoff while the peer does not
 * answer, until `stop` says the provider is no longer wanted (moved, refused, destroyed). After a lost
 * connection (`afterClose`) it first waits, as y-websocket would have: a peer killed that moment may
 * still take a connection it then resets.
 */
const proveThenConnect = async (proofs: KeyProofs, mesh: Mesh, url: string, open: () => void, stop: () => boolean, signal: AbortSignal, afterClose: boolean) => {
  proofs.forget(url)
  for (let attempt = 0; !stop(); attempt++) {
    if (afterClose && attempt === 0) await waitMs(100 + backoffMs(0, 250, 5000), signal)
    if (stop()) return
    try {
      await proofs.prove(url, mesh.reach, PROVE_TIMEOUT_MS, signal)
      if (!stop()) open()
      return
    } catch {
      await waitMs(backoffMs(attempt, 250, 5000), signal)
    }
  }
}

/**
 * A gate's reprove: one proof at a time (a page's connect() during a reproof adds nothing to it). When
 * one ends and `again()` holds, it runs once more, after the wait a lost socket gets: a connect() of the
 * page's, or a socket lost as it opened, while the loop was ending found it busy and was dropped.
 */
const oneAtATime = (run: (afterClose: boolean) => Promise<void>, again: () => boolean): ((afterClose: boolean) => void) => {
  let running = false
  const reprove = (afterClose: boolean): void => {
    if (running) return
    running = true
    void run(afterClose).finally(() => {
      running = false
      if (again()) reprove(true)
    })
  }
  return reprove
}

export const openRoom = (mesh: Mesh, room: string, options: OpenOptions): RoomHandle => {
  const doc = options.doc ?? new Y.Doc()
  const local = options.persist ? new IndexeddbPersistence(`peer-plan:room:${room}`, doc) : null
  const named = options.peer ? mesh.peers.find((p) => p.id === options.peer || p.url === options.peer) : null
  let peer = named?.url ?? options.peer ?? mesh.currentUrl
  const presence = options.presence ?? true
  let error: RoomError | null = null
  let settle!: { resolve: () => void; reject: (e: RoomError) => void }
  const ready = new Promise<void>((resolve, reject) => (settle = { resolve, reject }))
  ready.catch(() => {}) // a page that never asks is not an unhandled rejection
  const refused = (e: RoomError) => {
    error ??= e
    settle.reject(error)
    // Not disconnect(): this runs inside y-websocket's close handler, which finishes the close itself.
    provider.shouldConnect = false
  }
  const life = new AbortController()
  const proofs = mesh.token ? mesh.proofs : null
  let wanted = (): boolean => true // false after the page's own disconnect(), which only it undoes
  const open = (want: boolean) => {
    const url = peer
    const stop = () => life.signal.aborted || error !== null || provider !== p || !gate?.wanted
    const reprove = oneAtATime((afterClose) => proveThenConnect(proofs!, mesh, url, made.open, stop, life.signal, afterClose), () => !stop() && !gate!.fresh)
    const gate: Gate | null = proofs && { fresh: proofs.isProven(url) && !proofs.disowned && isValidRoomName(room), wanted: want, reprove }
    const made = connect(mesh.reach(url), room, doc, { token: mesh.token, presence, refused, gate, wanted: want })
    const p = made.provider
    wanted = gate ? () => gate.wanted : () => p.shouldConnect // with the token, shouldConnect is false while proving
    p.on('sync', (synced: boolean) => synced && settle.resolve())
    // Run once `provider` is p: until then `stop` would say it is no longer wanted.
    if (gate && want && !gate.fresh && !proofs?.disowned && isValidRoomName(room)) queueMicrotask(() => reprove(false))
    return p
  }
  let provider = open(true)
  // No peer proved the key for the page's token (key-proofs.ts): it is shown to none, and no room opens.
  if (proofs?.disowned) refused(new AccessTokenError(room, CLOSE_CODES.accessToken, `room ${room}: wrong access token: no peer proved the mesh key for it (a wrong or stale token, or peers older than this page, which give no proof)`))
  if (!isValidRoomName(room)) refused(new RoomNameError(room, CLOSE_CODES.roomName, `${JSON.stringify(room)} is not a room name: 1-128 of [A-Za-z0-9._-], not starting with . - or _`))
  const move = () => {
    const next = mesh.currentUrl
    if (error || !next || next === peer) return
    const want = wanted() // before destroy(), whose disconnect() clears it
    provider.destroy()
    peer = next
    provider = open(want)
  }
  const onRemoved = (p: PeerEntry) => {
    if (p.url === peer) move()
  }
  const onStatus = (e: StatusEvent) => {
    if (e.status === 'connected' && (!provider.wsconnected || !mesh.peers.some((p) => p.url === peer))) move()
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
    ready,
    get error() {
      return error
    },
    destroy: () => {
      life.abort()
      mesh.off('peer-removed', onRemoved)
      mesh.off('status', onStatus)
      provider.destroy()
      void local?.destroy()
    }
  }
}

export interface StoredRoom {
  doc: Y.Doc
  /** Resolves once IndexedDB's copy is in the doc. */
  readonly persisted: Promise<void>
  destroy(): void
}

/**
 * A room from this browser's IndexedDB alone (what `open(room, { persist: true })` kept), for a page
 * that finds no peer: it shows the last content at once. Pass its doc to `mesh.open(room, { doc,
 * persist: true })` once a peer answers, and the edits made offline merge into the mesh's doc.
 */
export const openStoredRoom = (room: string, doc: Y.Doc = new Y.Doc()): StoredRoom => {
  const local = new IndexeddbPersistence(`peer-plan:room:${room}`, doc)
  return { doc, persisted: local.whenSynced.then(() => undefined), destroy: () => void local.destroy() }
}
