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
import { DurableAsks, isDurableFrame } from './room-durable.js'
import { encodeAwareness, encodeSyncStep1, encodeSyncStep2, encodeUpdate, handleMessage, WireError, type WireContext } from '../shared/wire.js'
import type { AccessClass } from './access.js'
import { chargedPerAddress, ConnectionSlots } from './conn-slots.js'
import { DirectoryProjection } from './directory-projection.js'
import type { Keepalive } from './keepalive.js'
import type { Logger } from './log.js'
import { RoomPins } from './room-pins.js'
import type { RoomStore } from './room-store.js'
import { awarenessOverLimit, carriesContent, DEFAULT_LIMITS, DocBudget, isStepOne, PerAddress, pendingOverCap, TokenBucket, type RoomLimits } from './room-limits.js'
import { StepOneAnswers } from './step-one.js'
import type { ConnMeta, Room } from './room-types.js'
import { toUint8 } from './ws-bytes.js'
import { closeAndHangUp, drainSockets, sendFrame } from './ws-send.js'

export interface RoomServerOptions {
  log: Logger
  maxRooms: number
  keepalive: Keepalive
  /** A connection whose unsent bytes pass this is not reading: it is closed rather than buffered for. */
  maxBufferedBytes?: number
  limits?: Partial<RoomLimits>
  /** Where rooms are kept on disk; without one, rooms live in memory only. */
  store?: RoomStore
  /** How long a room this peer's agent wrote is kept after its last write (see `pin`); default 60 s. */
  pinIdleMs?: number
}

export interface RoomServerEvents {
  /** A directory connection from another peer closed, with its WebSocket close code. */
  'peer-conn-closed': [peerId: string, code: number]
  /** A room was created or freed (the list of rooms changed). */
  'rooms-changed': []
  /** Whether this peer itself wants the room (see `interested`) may have changed. */
  'interest-changed': [name: string]
}

export class RoomServer extends EventEmitter<RoomServerEvents> {
  readonly rooms = new Map<string, Room>()
  readonly directory: Room
  /** What strangers sync instead of the directory: the same entries without room names. Not in `rooms`. */
  readonly strangerDirectory: Room
  readonly limits: RoomLimits
  private readonly meta = new Map<WebSocket, ConnMeta>()
  private readonly slots: ConnectionSlots
  private readonly roomsByAddress: PerAddress
  /** Rooms this peer's own agent wrote (room-pins.ts). */
  private readonly pinned: RoomPins
  /** Asked before an agent's room is let go: false while its writes may not have reached its homes (room-links.ts). */
  settled: (name: string) => boolean = () => true

  constructor(private readonly opts: RoomServerOptions) {
    super()
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits }
    this.slots = new ConnectionSlots(this.limits)
    this.roomsByAddress = new PerAddress(this.limits.maxRoomsPerAddress)
    this.directory = this.createRoom(DIRECTORY_ROOM, null)
    const expired = (name: string) => (this.emit('interest-changed', name), this.release(name))
    this.pinned = new RoomPins({ idleMs: opts.pinIdleMs ?? 60_000, settled: (name) => this.settled(name), expired })
    // The projection follows the real doc's events, and goes with it.
    this.strangerDirectory = this.buildRoom(DIRECTORY_ROOM, new DirectoryProjection(this.directory.doc).doc, null)
  }

  /**
   * Whether a connection from `address` to `name` would be taken, without creating anything (a failed
   * handshake must not hold a slot): 'ok', or what is full.
   */
  canHost(name: string, address: string, access: AccessClass): 'ok' | 'peer full' | 'address full' | 'strangers full' {
    const slot = this.slots.check(access, address)
    if (slot !== 'ok') return slot
    if (this.rooms.has(name)) return 'ok'
    if (this.rooms.size >= this.opts.maxRooms + 1) return 'peer full'
    return chargedPerAddress(address) && this.roomsByAddress.count(address) >= this.limits.maxRoomsPerAddress ? 'address full' : 'ok'
  }

  /**
   * The room, created on first use; null when the peer or the address is at its room limit. A stranger
   * asking for the directory gets its projection, which names no rooms. This peer's own agent is a person.
   */
  getRoom(name: string, address: string, access: AccessClass = 'person'): Room | null {
    if (name === DIRECTORY_ROOM && access === 'stranger') return this.strangerDirectory
    const room = this.rooms.get(name)
    if (room) return room
    if (this.canHost(name, address, access) !== 'ok') return null
    if (!chargedPerAddress(address)) return this.createRoom(name, null)
    return this.roomsByAddress.admit(address) ? this.createRoom(name, address) : null
  }

  /** Keeps a room this peer's agent wrote, for a while after each write (room-pins.ts). */
  pin(name: string): void {
    if (this.rooms.has(name) && this.pinned.touch(name)) this.emit('interest-changed', name)
  }

  /** Agent rooms held now: each holds one timer. */
  pinCount(): number {
    return this.pinned.size
  }

  /**
   * Whether this peer wants `name` for itself: a client (not another peer's room link) is connected
   * to it here, or this peer's agent wrote it. Such a peer links to the room's homes (room-links.ts).
   */
  interested(name: string): boolean {
    const room = this.rooms.get(name)
    if (!room || room === this.directory) return false
    if (this.pinned.has(name)) return true
    for (const ws of room.conns.keys()) if (this.meta.get(ws)?.peerId === null) return true
    return false
  }

  /** Frees `name` if nothing holds it: no connection, not pinned. It stays on disk. */
  release(name: string): void {
    const room = this.rooms.get(name)
    if (!room || room.conns.size > 0 || room === this.directory || this.pinned.has(name)) return
    void room.file?.close()
    room.awareness.destroy()
    room.doc.destroy()
    this.rooms.delete(room.name)
    if (room.creator !== null) this.roomsByAddress.release(room.creator)
    this.emit('rooms-changed')
  }

  /** Peer ids with a live inbound directory connection. */
  inboundPeers(): Set<string> {
    const out = new Set<string>()
    for (const ws of this.directory.conns.keys()) {
      const id = this.meta.get(ws)?.peerId
      if (id) out.add(id)
    }
    return out
  }

  /** Inbound room links from other peers (this peer is a home of those rooms). */
  inboundRoomLinks(): number {
    let n = 0
    for (const room of this.rooms.values()) if (room !== this.directory) for (const ws of room.conns.keys()) if (this.meta.get(ws)?.peerId) n++
    return n
  }

  private createRoom(name: string, creator: string | null): Room {
    const room = this.buildRoom(name, new Y.Doc({ gc: true }), creator)
    this.rooms.set(name, room)
    this.emit('rooms-changed')
    return room
  }

  /** A room around `doc`, wired to its connections, not yet listed in `rooms`. */
  private buildRoom(name: string, doc: Y.Doc, creator: string | null): Room {
    const awareness = new awarenessProtocol.Awareness(doc)
    awareness.setLocalState(null)
    const cap = name === DIRECTORY_ROOM ? this.limits.maxDirectoryBytes : this.limits.maxRoomBytes
    // Loaded before anything is served: a client's first sync already sees what the disk held.
    const file = name === DIRECTORY_ROOM ? null : (this.opts.store?.attach(name, doc) ?? null)
    const room: Room = { name, doc, awareness, conns: new Map(), budget: new DocBudget(doc, cap), creator, logged: new Set(), file, answers: new StepOneAnswers(doc) }
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
    return room
  }

  handleConnection(ws: WebSocket, room: Room, meta: ConnMeta): void {
    // First: a bad frame from the client makes ws emit 'error', which with no listener kills the peer.
    ws.on('error', (err) => this.opts.log.debug(`connection to room ${room.name} failed: ${err.message}`))
    if (!this.slots.take(meta.access, meta.address)) return closeAndHangUp(ws, 1013, 'too many connections from this address')
    ws.once('close', () => this.slots.release(meta.access, meta.address))
    room.conns.set(ws, new Set())
    this.meta.set(ws, meta)
    // Only the mesh writes the mesh: on the directory, anyone but a proven peer only reads.
    const readOnly = room.name === DIRECTORY_ROOM && meta.access !== 'peer'
    // An update that does not apply (or a doc observer that threw on it) closes a client, as a malformed
    // frame does; a peer's link is kept, since the update may be in and the throw ours: said once.
    let failed = false
    const ctx: WireContext = { doc: room.doc, awareness: readOnly ? null : room.awareness, origin: ws, readOnly, updateFailed: () => (failed = true) }
    const stepOnes = new TokenBucket(this.limits.stepOneBurst, this.limits.stepOneRefillMs)
    const asks = new DurableAsks((answer) => this.send(ws, answer))
    // A peer's room link relays the awareness of all its clients: only a client's own is bounded.
    const client = meta.peerId === null
    ws.on('message', (data: RawData, isBinary: boolean) => {
      // Frames still queued on a connection already cut cost nothing (each step 1 would encode the doc).
      if (ws.readyState !== ws.OPEN) return
      if (!isBinary) return closeAndHangUp(ws, 1003, 'binary frames only')
      const frame = toUint8(data)
      if (isDurableFrame(frame)) return void (asks.take(frame, room.file) || this.breach(ws, room, 1008, 'too many or malformed durability asks'))
      // A step 1 costs us an encoding of the whole doc: a client asking again and again is cut off.
      if (isStepOne(frame) && !stepOnes.take()) return this.breach(ws, room, 1008, 'too many sync requests')
      const awareness = client ? awarenessOverLimit(frame, this.limits) : null
      if (awareness) return this.breach(ws, room, awareness.code, awareness.reason)
      let over: { code: number; reason: string } | null
      try {
        // A pushed reader's answer depends on its push, not on the frame alone: never via the cache.
        const shared = isStepOne(frame) && !ctx.pushedAt
        const reply = shared ? room.answers.answer(frame, () => handleMessage(ctx, frame)) : handleMessage(ctx, frame)
        if (reply) this.send(ws, reply)
        // Measuring the doc encodes it, which can throw on what a bad update left pending.
        over = readOnly || failed ? null : this.overLimit(room, frame)
      } catch (err) {
        if (!(err instanceof WireError)) this.opts.log.warn(`room ${room.name}: ${(err as Error).message}`)
        return closeAndHangUp(ws, 1007, 'malformed message')
      }
      if (failed && client) return this.breach(ws, room, 1007, 'an update that does not apply')
      if (failed) this.sayOnce(room, "a peer link's update did not apply, or an observer threw on it")
      if (client && (room.conns.get(ws)?.size ?? 0) > this.limits.maxAwarenessClients) return this.breach(ws, room, 1008, 'too many awareness clients')
      if (over) this.breach(ws, room, over.code, over.reason)
    })
    ws.on('close', (code: number) => this.dropConnection(ws, room, code))
    this.opts.keepalive.watch(ws, undefined, meta.peerId === null ? encodeAwareness(room.awareness, []) : null) // a client's nudge: keepalive.ts
    if (meta.peerId === null) this.emit('interest-changed', room.name)

    // A reader of the directory (a page) is sent it at once, not after its own step 1 comes in: that
    // saves the page a round trip. Its step 1 then gets only what changed since. It is not asked for its
    // own state (step 1): whatever it sent back would be dropped, after the page had encoded it.
    if (readOnly) {
      const push = room.answers.push(() => ({ stateVector: Y.encodeStateVector(room.doc), frame: encodeSyncStep2(room.doc) }))
      ctx.pushedAt = push.stateVector
      this.send(ws, push.frame)
    } else this.send(ws, encodeSyncStep1(room.doc))
    const states = room.awareness.getStates()
    if (states.size > 0) this.send(ws, encodeAwareness(room.awareness, Array.from(states.keys())))
  }

  /** After a frame was applied to `room`: the limit it broke, if any. Directory links ask too. */
  overLimit(room: Room, frame: Uint8Array): { code: number; reason: string } | null {
    if (!carriesContent(frame)) return null
    if (pendingOverCap(room.doc, this.limits.maxPendingBytes)) return { code: 1008, reason: 'updates that can never apply' }
    return room.budget.add(frame.length) ? null : { code: 1009, reason: `${room === this.directory ? 'directory' : 'room'} is full` }
  }

  /** A limit was hit: close the writer with `code`, and say so once per room and reason. */
  private breach(ws: WebSocket, room: Room, code: number, reason: string): void {
    this.sayOnce(room, `closing a connection (${code}): ${reason}`)
    closeAndHangUp(ws, code, reason)
  }

  /** One warning per room and line, not one per frame. */
  private sayOnce(room: Room, line: string): void {
    if (room.logged.has(line)) return
    room.logged.add(line)
    this.opts.log.warn(`room ${room.name}: ${line}`)
  }

  private dropConnection(ws: WebSocket, room: Room, code: number): void {
    const controlled = room.conns.get(ws)
    const meta = this.meta.get(ws)
    room.conns.delete(ws)
    this.meta.delete(ws)
    if (controlled && controlled.size > 0) awarenessProtocol.removeAwarenessStates(room.awareness, Array.from(controlled), null)
    this.release(room.name)
    if (meta && meta.peerId === null && room.name !== DIRECTORY_ROOM) this.emit('interest-changed', room.name)
    if (meta?.peerId && room === this.directory) this.emit('peer-conn-closed', meta.peerId, code)
  }

  private send = (ws: WebSocket, msg: Uint8Array): void => sendFrame(ws, msg, this.opts.maxBufferedBytes ?? 8 * 1024 * 1024, this.opts.log)

  /** Waits until every connection has handed its queued bytes to the kernel, or maxMs passes. */
  drain = (maxMs: number): Promise<void> => drainSockets(() => this.meta.keys(), maxMs)

  /** Cuts every connection and writes each room's last state to disk (taken before the docs go). */
  async close(): Promise<void> {
    this.pinned.clear()
    for (const ws of this.meta.keys()) ws.terminate()
    const writes: Promise<void>[] = []
    for (const room of [...this.rooms.values(), this.strangerDirectory]) {
      if (room.file) writes.push(room.file.close())
      room.awareness.destroy()
      room.doc.destroy()
    }
    this.rooms.clear()
    await Promise.all(writes)
    // Rooms let go a moment ago may still be writing their final snapshot: the peer must not exit first.
    await this.opts.store?.closeAll()
  }
}
