/**
 * Yjs rooms served over WebSocket with the y-websocket protocol. All state lives in the instance, so
 * several peers can run in one process. Each connection has its own error path: a malformed frame, a
 * text frame, a slow reader or a missed pong closes that connection and nothing else.
 */
import { EventEmitter } from 'node:events'
import * as Y from 'yjs'
import * as awarenessProtocol from 'y-protocols/awareness'
import type { WebSocket, RawData } from 'ws'
import { DIRECTORY_ROOM } from '../shared/protocol.js'
import { encodeAwareness, encodeSyncStep1, encodeUpdate, handleMessage, WireError } from '../shared/wire.js'
import type { Keepalive } from './keepalive.js'
import type { Logger } from './log.js'
import { toUint8 } from './ws-bytes.js'

export interface Room {
  name: string
  doc: Y.Doc
  awareness: awarenessProtocol.Awareness
  /** Each connection with the awareness client ids it controls. */
  conns: Map<WebSocket, Set<number>>
}

export interface ConnMeta {
  /** The dialling peer's id, for directory links from other peers (from ?peer=). */
  peerId: string | null
}

export interface RoomServerOptions {
  log: Logger
  maxRooms: number
  keepalive: Keepalive
  /** A connection whose unsent bytes pass this is not reading: it is closed rather than buffered for. */
  maxBufferedBytes?: number
}

export interface RoomServerEvents {
  /** A directory connection from another peer closed, with its WebSocket close code. */
  'peer-conn-closed': [peerId: string, code: number]
  /** A room was created or freed (the list of rooms changed). */
  'rooms-changed': []
}

export class RoomServer extends EventEmitter<RoomServerEvents> {
  readonly rooms = new Map<string, Room>()
  readonly directory: Room
  private readonly meta = new Map<WebSocket, ConnMeta>()
  /** Rooms this peer's own agent wrote: kept when the last connection leaves, since the agent still reads them. */
  private readonly pinned = new Set<string>()

  constructor(private readonly opts: RoomServerOptions) {
    super()
    this.directory = this.createRoom(DIRECTORY_ROOM)
  }

  /** Whether a connection to `name` would get a room, without creating one (a failed handshake must not hold a slot). */
  canHost(name: string): boolean {
    return this.rooms.has(name) || this.rooms.size < this.opts.maxRooms + 1
  }

  /** The room, created on first use; null when the peer already hosts maxRooms rooms. */
  getRoom(name: string): Room | null {
    const room = this.rooms.get(name)
    if (room) return room
    return this.canHost(name) ? this.createRoom(name) : null
  }

  /** Keeps a room while the peer lives (see `pinned`). */
  pin(name: string): void {
    if (this.rooms.has(name)) this.pinned.add(name)
  }

  /** Peer ids with a live inbound directory connection. */
  inboundPeers(): Set<string> {
    const out = new Set<string>()
    for (const m of this.meta.values()) if (m.peerId) out.add(m.peerId)
    return out
  }

  private createRoom(name: string): Room {
    const doc = new Y.Doc({ gc: true })
    const awareness = new awarenessProtocol.Awareness(doc)
    awareness.setLocalState(null)
    const room: Room = { name, doc, awareness, conns: new Map() }
    doc.on('update', (update: Uint8Array, origin: unknown) => {
      const msg = encodeUpdate(update)
      for (const conn of room.conns.keys()) if (conn !== origin) this.send(conn, msg)
    })
    awareness.on('update', ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) => {
      const controlled = room.conns.get(origin as WebSocket)
      if (controlled) {
        added.forEach((id) => controlled.add(id))
        removed.forEach((id) => controlled.delete(id))
      }
      const msg = encodeAwareness(awareness, added.concat(updated, removed))
      for (const conn of room.conns.keys()) this.send(conn, msg)
    })
    this.rooms.set(name, room)
    this.emit('rooms-changed')
    return room
  }

  handleConnection(ws: WebSocket, room: Room, meta: ConnMeta): void {
    room.conns.set(ws, new Set())
    this.meta.set(ws, meta)
    const ctx = { doc: room.doc, awareness: room.awareness, origin: ws }
    ws.on('error', (err) => this.opts.log.debug(`connection to room ${room.name} failed: ${err.message}`))
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (!isBinary) return this.reject(ws, 1003, 'binary frames only')
      try {
        const reply = handleMessage(ctx, toUint8(data))
        if (reply) this.send(ws, reply)
      } catch (err) {
        if (!(err instanceof WireError)) this.opts.log.warn(`room ${room.name}: ${(err as Error).message}`)
        this.reject(ws, 1007, 'malformed message')
      }
    })
    ws.on('close', (code: number) => this.dropConnection(ws, room, code))
    this.opts.keepalive.watch(ws)

    this.send(ws, encodeSyncStep1(room.doc))
    const states = room.awareness.getStates()
    if (states.size > 0) this.send(ws, encodeAwareness(room.awareness, Array.from(states.keys())))
  }

  /** Says why, then hangs up without waiting for a client that broke the protocol to answer. */
  private reject(ws: WebSocket, code: number, reason: string): void {
    ws.close(code, reason)
    setTimeout(() => ws.terminate(), 100).unref()
  }

  private dropConnection(ws: WebSocket, room: Room, code: number): void {
    const controlled = room.conns.get(ws)
    const meta = this.meta.get(ws)
    room.conns.delete(ws)
    this.meta.delete(ws)
    if (controlled && controlled.size > 0) awarenessProtocol.removeAwarenessStates(room.awareness, Array.from(controlled), null)
    // Without persistence an empty room holds nothing anyone can reach: free its slot.
    if (room.conns.size === 0 && room !== this.directory && !this.pinned.has(room.name)) {
      room.awareness.destroy()
      room.doc.destroy()
      this.rooms.delete(room.name)
      this.emit('rooms-changed')
    }
    if (meta?.peerId && room === this.directory) this.emit('peer-conn-closed', meta.peerId, code)
  }

  private send(ws: WebSocket, msg: Uint8Array): void {
    if (ws.readyState !== ws.OPEN) return
    if (ws.bufferedAmount > (this.opts.maxBufferedBytes ?? 8 * 1024 * 1024)) {
      this.opts.log.warn('closing a connection that stopped reading')
      ws.terminate()
      return
    }
    ws.send(msg, (err) => {
      if (err) ws.terminate()
    })
  }

  /** Waits until every connection has handed its queued bytes to the kernel, or maxMs passes. */
  async drain(maxMs: number): Promise<void> {
    const until = Date.now() + maxMs
    while (Date.now() < until && [...this.meta.keys()].some((ws) => ws.readyState === ws.OPEN && ws.bufferedAmount > 0)) {
      await new Promise((r) => setTimeout(r, 5))
    }
  }

  close(): void {
    for (const ws of this.meta.keys()) ws.terminate()
    for (const room of this.rooms.values()) {
      room.awareness.destroy()
      room.doc.destroy()
    }
    this.rooms.clear()
  }
}
