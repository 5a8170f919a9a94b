/**
 * The on-disk framing of a room's updates, the same for a peer's append-only log and its snapshot:
 *
 *   frame = u32 LE payload length | u32 LE CRC-32 of the payload | payload (one Yjs update)
 *
 * A SIGKILL can cut the last frame of a log short (the write was under way); a reader stops at a short
 * or mismatching frame and keeps everything before it. Yjs updates merge idempotently and in any order,
 * so reading the same update twice, or a peer's snapshot beside its log, is harmless.
 */
import { crc32 } from 'node:zlib'

const HEADER = 8

/** One frame around `update`. */
export const encodeFrame = (update: Uint8Array): Buffer => {
  const out = Buffer.allocUnsafe(HEADER + update.length)
  out.writeUInt32LE(update.length, 0)
  out.writeUInt32LE(crc32(update), 4)
  out.set(update, HEADER)
  return out
}

export interface Frames {
  updates: Uint8Array[]
  /** Why reading stopped before the end: a torn tail (a write cut short) or a damaged frame; null when whole. */
  stopped: string | null
}

/** Every whole, intact frame of `data`, in order; stops at the first short or damaged one. */
export const decodeFrames = (data: Uint8Array): Frames => {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  const updates: Uint8Array[] = []
  let at = 0
  while (at < buf.length) {
    if (buf.length - at < HEADER) return { updates, stopped: 'a torn frame header at the end' }
    const len = buf.readUInt32LE(at)
    if (buf.length - at - HEADER < len) return { updates, stopped: 'a torn frame at the end' }
    const payload = buf.subarray(at + HEADER, at + HEADER + len)
    if (crc32(payload) !== buf.readUInt32LE(at + 4)) return { updates, stopped: `a damaged frame at byte ${at}` }
    updates.push(payload)
    at += HEADER + len
  }
  return { updates, stopped: null }
}
