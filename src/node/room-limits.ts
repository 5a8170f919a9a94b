/**
 * What one room, one connection and one remote address may cost. Each breach closes the offending
 * connection with a clear code and is logged once per room; the peer never grows without bound.
 *
 * - bytes per doc: counted from incoming sync payloads and, when the count passes the cap, measured
 *   for real (Y.encodeStateAsUpdate), so the O(doc) measure runs once per cap's worth of writes;
 * - pending structs (updates whose dependencies never came): each new update would retry merging them,
 *   quadratic in their number, so past a cap they are dropped and the writer closed;
 * - sync step 1 (a request for the whole doc): a token bucket per connection;
 * - connections and room creations per remote address, so one client cannot take every slot; strangers
 *   have their own connection budget, per address and in total (conn-slots.ts);
 * - awareness from a client: the size of one frame and the client ids one connection holds.
 */
import * as decoding from 'lib0/decoding'
import * as Y from 'yjs'

export interface RoomLimits {
  maxRoomBytes: number
  maxDirectoryBytes: number
  maxPendingBytes: number
  /** Sync step 1 requests: burst, then one per refill period. */
  stepOneBurst: number
  stepOneRefillMs: number
  /** People (the token) per remote address. Peer links are not counted against anything. */
  maxConnsPerAddress: number
  /** Strangers (no token, no link proof): per remote address, and all of them together. */
  maxStrangerConnsPerAddress: number
  maxStrangerConns: number
  maxRoomsPerAddress: number
  /** One awareness frame from a client (not a peer's room link), and the awareness client ids it may hold. */
  maxAwarenessBytes: number
  maxAwarenessClients: number
}

/**
 * Largest WebSocket message on a room (not the directory): a doc of up to maxRoomBytes syncs in one
 * message, a step 2 from the peer or a client's own catching up after an outage. It was MAX_PAYLOAD_BYTES
 * (1 MiB) for rooms too, so a client holding more than 1 MiB the peer lacked looped on 1009 for ever, and
 * a room over 1 MiB could not reach another home over a room link. Only people and peers open rooms.
 */
export const MAX_ROOM_PAYLOAD_BYTES = 33 * 1024 * 1024

export const DEFAULT_LIMITS: RoomLimits = {
  maxRoomBytes: 32 * 1024 * 1024,
  // Half of what one WebSocket message may carry: a new peer must always be able to sync it whole.
  maxDirectoryBytes: 512 * 1024,
  maxPendingBytes: 1024 * 1024,
  stepOneBurst: 8,
  stepOneRefillMs: 1000,
  maxConnsPerAddress: 256,
  // A stranger only reads the directory: one socket per page or tool is all it needs.
  maxStrangerConnsPerAddress: 32,
  maxStrangerConns: 128,
  maxRoomsPerAddress: 32,
  // A cursor and a name are a few hundred bytes, and a client has one id (two after a clash): awareness
  // is kept in memory and sent to every connection of the room, and counts against no doc's cap.
  maxAwarenessBytes: 16 * 1024,
  maxAwarenessClients: 4
}

/** Bytes a doc holds, measured lazily: `add` is O(1); the real measure runs only past the cap. */
export class DocBudget {
  private counted = 0

  constructor(
    private readonly doc: Y.Doc,
    private readonly cap: number
  ) {}

  /** Adds bytes that arrived; false when the doc, measured, is over its cap. */
  add(bytes: number): boolean {
    this.counted += bytes
    if (this.counted <= this.cap) return true
    this.counted = Y.encodeStateAsUpdate(this.doc).length
    return this.counted <= this.cap
  }
}

/** Pending structs past the cap are dropped (they can never integrate) and the caller closes the writer. */
export const pendingOverCap = (doc: Y.Doc, cap: number): boolean => {
  const store = doc.store as unknown as { pendingStructs: { update: Uint8Array } | null; pendingDs: Uint8Array | null }
  const size = (store.pendingStructs?.update.length ?? 0) + (store.pendingDs?.length ?? 0)
  if (size <= cap) return false
  store.pendingStructs = null
  store.pendingDs = null
  return true
}

export class TokenBucket {
  private tokens: number
  private last = Date.now()

  constructor(
    private readonly burst: number,
    private readonly refillMs: number
  ) {
    this.tokens = burst
  }

  take(now = Date.now()): boolean {
    this.tokens = Math.min(this.burst, this.tokens + (now - this.last) / this.refillMs)
    this.last = now
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }
}

/** Counts per remote address; `admit` false means that address is at its limit. */
export class PerAddress {
  private readonly counts = new Map<string, number>()

  constructor(private readonly max: number) {}

  admit(addr: string): boolean {
    const n = this.counts.get(addr) ?? 0
    if (n >= this.max) return false
    this.counts.set(addr, n + 1)
    return true
  }

  release(addr: string): void {
    const n = (this.counts.get(addr) ?? 1) - 1
    if (n <= 0) this.counts.delete(addr)
    else this.counts.set(addr, n)
  }

  count(addr: string): number {
    return this.counts.get(addr) ?? 0
  }
}

/** A y-websocket frame that asks for the whole doc: messageSync (0), then syncStep1 (0). */
export const isStepOne = (frame: Uint8Array): boolean => frame[0] === 0 && frame[1] === 0

/** How many client ids an awareness frame sets (its update's leading count); 0 if unreadable. */
const awarenessClients = (frame: Uint8Array): number => {
  try {
    const decoder = decoding.createDecoder(frame)
    decoding.readVarUint(decoder)
    decoding.readVarUint(decoder)
    return decoding.readVarUint(decoder)
  } catch {
    return 0
  }
}

/** The bound a client's awareness frame (messageAwareness, 1) breaks before it is applied, if any. */
export const awarenessOverLimit = (frame: Uint8Array, limits: RoomLimits): { code: number; reason: string } | null => {
  if (frame[0] !== 1) return null
  if (frame.length > limits.maxAwarenessBytes) return { code: 1009, reason: 'awareness state too large' }
  return awarenessClients(frame) > limits.maxAwarenessClients ? { code: 1008, reason: 'too many awareness clients' } : null
}

/** A frame that carries doc content: messageSync (0), then step 2 (1) or an update (2). */
export const carriesContent = (frame: Uint8Array): boolean => frame[0] === 0 && (frame[1] === 1 || frame[1] === 2)
