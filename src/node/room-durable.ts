/**
 * peer-plan's one addition to the y-websocket wire: a client asks whether everything it has sent on the
 * connection is on the peer's disk, and is answered once it is. y-websocket has no acknowledgement, so
 * an agent's write_room through another peer answered "kept on disk" while the far peer had only been
 * handed the bytes: a SIGKILL of that peer right after the answer lost the write in 10 runs of 10 (a
 * red-team pass). Frames on one connection are handled in order, so by the time the ask is read every
 * update sent before it is in the doc and queued for the room's file; the answer waits until those
 * are on disk (an append and an fdatasync, or a snapshot), not for later ones (disk-marks.ts).
 *
 *   ask:    varUint 64, varUint id
 *   answer: varUint 64, varUint id, varUint status (0: on disk; 1: this peer keeps no file of the room,
 *           or writing it failed)
 *
 * A stock y-websocket client never sends it; a stock server would close on it (an unknown type).
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import type { RoomFile } from './room-file.js'

export const messageDurable = 64

/** Asks a connection may have waiting at once; one more is a breach (each holds a promise until the disk is done). */
export const MAX_DURABLE_ASKS = 16

export const DURABLE = 0
export const NOT_KEPT = 1

const encodeUints = (...values: number[]): Uint8Array => {
  const e = encoding.createEncoder()
  for (const v of values) encoding.writeVarUint(e, v)
  return encoding.toUint8Array(e)
}

/** The first `n` varUints of `frame` (its type included), or null if it holds fewer. */
const readUints = (frame: Uint8Array, n: number): number[] | null => {
  try {
    const d = decoding.createDecoder(frame)
    return Array.from({ length: n }, () => decoding.readVarUint(d))
  } catch {
    return null
  }
}

export const encodeDurableAsk = (id: number): Uint8Array => encodeUints(messageDurable, id)

export const isDurableFrame = (frame: Uint8Array): boolean => frame[0] === messageDurable

/** The id and status of an answer, or null if `frame` is none. */
export const readDurableAnswer = (frame: Uint8Array): { id: number; status: number } | null => {
  const values = isDurableFrame(frame) ? readUints(frame, 3) : null
  return values && { id: values[1]!, status: values[2]! }
}

/** A connection's asks: each answered once what came before it is on disk. */
export class DurableAsks {
  private waiting = 0

  constructor(private readonly send: (answer: Uint8Array) => void) {}

  /** Takes an ask; false if the frame is malformed or too many are waiting (the caller closes the connection). */
  take(frame: Uint8Array, file: RoomFile | null): boolean {
    const id = readUints(frame, 2)?.[1]
    if (id === undefined || this.waiting >= MAX_DURABLE_ASKS) return false
    this.waiting++
    void (file ? file.flushed() : Promise.resolve(false)).then((kept) => {
      this.waiting--
      this.send(encodeUints(messageDurable, id, kept ? DURABLE : NOT_KEPT))
    })
    return true
  }
}
