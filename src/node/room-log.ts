/**
 * The on-disk framing of a room's updates, the same for a peer's append-only log and its snapshot:
 *
 *   frame = u32 LE payload length | u32 LE CRC-32 of the payload | payload (one Yjs update)
 *
 * A SIGKILL can cut the last frame of a log short (the write was under way); a reader stops at a short
 * or mismatching frame and keeps everything before it, and says which it was: only a short last frame of
 * a length a peer writes is such a tear, anything else is damage. Yjs updates merge idempotently and in any order,
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

/**
 * The largest frame a peer writes: a snapshot of a doc at its 32 MiB cap (room-limits.ts), plus the
 * message that took it past, with room to spare. A length over this was never written: it is damage.
 */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024

export interface Frames {
  updates: Uint8Array[]
  /** Why reading stopped before the end, null when whole. */
  stopped: string | null
  /** Whether it stopped at a tear: the last frame cut short, which a write under way at a SIGKILL leaves. */
  torn: boolean
  /** Bytes after the last whole frame, not read. */
  dropped: number
}

/**
 * Every whole, intact frame of `data`, in order; stops at the first short or damaged one. A short frame
 * is a tear only when its length is one a peer writes: then its missing bytes are all at the end. Any
 * other length runs past the end because it is damaged, and what followed it may have been whole.
 */
export const decodeFrames = (data: Uint8Array): Frames => {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  const updates: Uint8Array[] = []
  const stop = (at: number, why: string, torn: boolean): Frames => ({ updates, stopped: `${why} at byte ${at}`, torn, dropped: buf.length - at })
  let at = 0
  while (at < buf.length) {
    const left = buf.length - at
    // Fewer than 4 bytes left: not even the length was written.
    const len = left >= 4 ? buf.readUInt32LE(at) : 0
    if (len > MAX_FRAME_BYTES) return stop(at, `a frame whose length (${len} bytes) is over any a peer writes`, false)
    if (left < HEADER + len) return stop(at, 'a torn last frame', true)
    const payload = buf.subarray(at + HEADER, at + HEADER + len)
    if (crc32(payload) !== buf.readUInt32LE(at + 4)) return stop(at, 'a damaged frame', false)
    updates.push(payload)
    at += HEADER + len
  }
  return { updates, stopped: null, torn: false, dropped: 0 }
}
