/**
 * The on-disk framing of a room's updates, the same for a peer's append-only log and its snapshot:
 *
 *   frame = u32 LE payload length | u32 LE CRC-32 of the payload | payload (one Yjs update)
 *
 * A SIGKILL can cut the last frame of a log short (the write was under way): a tear, never written, so
 * not damage. Anything else that does not read is damage, and a reader does not stop at it: what follows
 * may be whole, and stopping would leave the updates of every later frame out of the room. It looks for
 * the next whole frame (search below) and reads on, and says which stretches it skipped. Yjs updates
 * merge idempotently and in any order, so reading the same update twice, or a peer's snapshot beside its
 * log, is harmless.
 *
 * Reading on past a lost update is safe. yjs (13.6, src/utils/encoding.js, readUpdateV2) integrates the
 * structs of an update whose dependencies the doc has and keeps the rest in store.pendingStructs (deletes
 * of items it lacks in store.pendingDs), retrying them when a later update fills the gap;
 * encodeStateAsUpdateV2 appends both pending parts to the state it encodes. So an update that depends on
 * a damaged frame is held, not dropped: it is in this peer's snapshot and in every sync it answers, and
 * shows once another peer supplies the missing update.
 *
 * A snapshot is one frame (room-file.ts), so past its damage there is nothing to find; it is read the
 * same way because the format is the same, and the search's bound holds for it too.
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
 * So is 0: a Yjs update is never empty, and a run of zeros (what a lost write may leave) would otherwise
 * read as a row of empty frames.
 */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024

/** A stretch read past: from a frame that is not whole to the next one that is, or to the end. */
export interface Skipped {
  at: number
  bytes: number
  why: string
}

export interface Frames {
  /** Every whole, intact frame's payload, in order; empty when they went to decodeFrames' `onUpdate`. */
  updates: Uint8Array[]
  /** How many whole, intact frames were read. */
  count: number
  /** The damaged stretches read past, in order; none when the data is whole but for a tear. */
  skipped: Skipped[]
  /** Where a torn last frame begins (a write under way at a SIGKILL), null if there is none. */
  tornAt: number | null
  /** Bytes not read: the stretches skipped and the tear. */
  dropped: number
}

const possible = (len: number): boolean => len > 0 && len <= MAX_FRAME_BYTES

/**
 * The search for the next whole frame after damage, byte by byte: a position qualifies when its length is
 * one a peer writes, fits in what is left, and the CRC-32 of that many bytes matches (a false match is a
 * 1-in-2^32 chance per checksum taken). Reading a length is O(1), and the top-byte test passes over most
 * positions before it; the checksums cost their lengths, which a file of the wrong bytes could make
 * O(size^2). So the checksummed bytes have a budget per file, 64 MiB + 4 x its size: at the store's cap
 * on a file (128 MiB) the worst case is one pass of 128 M positions (~1 s here for 128 MiB of zeros,
 * where every position gets as far as its length) and 576 MiB of CRC-32 (~0.3 s). Once the budget is
 * spent the rest of the file is skipped unsearched, and the report says so.
 * Damage inside a log of Yjs updates cost ~8 KB of checksums a damaged frame (measured on a 300 KB log
 * of 7,700 edits by three writers); a stretch of random bytes costs ~1/64 of its positions times half
 * the bytes after it, so a few KiB of those in a file of tens of MiB can spend the budget.
 */
class Search {
  private budget: number

  constructor(private readonly buf: Buffer) {
    this.budget = 64 * 1024 * 1024 + 4 * buf.length
  }

  /** Where the next whole frame from `from` on starts; the end if there is none; null once the budget is spent. */
  next(from: number): number | null {
    const buf = this.buf
    for (let p = from; p + HEADER < buf.length; p++) {
      const top = buf[p + 3]!
      if (top > MAX_FRAME_BYTES >>> 24) continue
      // By hand: readUInt32LE made the pass over 128 MiB of zeros 1.7x slower.
      const len = (buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16)) + top * 0x1000000
      if (!possible(len) || p + HEADER + len > buf.length) continue
      this.budget -= len
      if (this.budget < 0) return null
      if (crc32(buf.subarray(p + HEADER, p + HEADER + len)) === buf.readUInt32LE(p + 4)) return p
    }
    return buf.length
  }

  /**
   * The frame at `at` read with its length mended, when one bit of the length was flipped: the length
   * of the 32 that differ from it by one bit whose bytes fit and match the frame's checksum, or null
   * (also once the budget is spent). A flipped length would otherwise lose this frame, and could send
   * reading on to a later whole frame past intact ones, or into this frame's payload (a length flipped
   * to run past the end, whose own end is unknown, leaves only the search, from its second byte).
   */
  mend(at: number): number | null {
    const buf = this.buf
    const stored = buf.readUInt32LE(at)
    const crc = buf.readUInt32LE(at + 4)
    for (let bit = 0; bit < 32; bit++) {
      const len = (stored ^ (1 << bit)) >>> 0
      if (!possible(len) || at + HEADER + len > buf.length) continue
      this.budget -= len
      if (this.budget < 0) return null
      if (crc32(buf.subarray(at + HEADER, at + HEADER + len)) === crc) return len
    }
    return null
  }
}

/**
 * Why the frame at `at` is not whole and intact, null when it is; `torn` when it runs past the end;
 * `end` where it ends, when only its checksum failed (its length is one a peer writes and fits).
 */
const faultAt = (buf: Buffer, at: number): { why: string; torn: boolean; end?: number } | null => {
  const left = buf.length - at
  // Fewer than 4 bytes left: not even the length was written.
  if (left < 4) return { why: 'a frame header cut short', torn: true }
  const len = buf.readUInt32LE(at)
  if (len === 0) return { why: 'an empty frame, which no peer writes', torn: false }
  if (len > MAX_FRAME_BYTES) return { why: `a frame whose length (${len} bytes) is over any a peer writes`, torn: false }
  if (left < HEADER + len) return { why: `a frame whose length (${len} bytes) runs past the end`, torn: true }
  return crc32(buf.subarray(at + HEADER, at + HEADER + len)) === buf.readUInt32LE(at + 4) ? null : { why: 'a damaged frame', torn: false, end: at + HEADER + len }
}

/**
 * Where to read on after a damaged frame. Its own end first, when that is the end of the data or a whole
 * frame starts there: the usual damage leaves the length alone, and a byte-by-byte search would begin
 * inside the damaged payload, where a writer may have put bytes that look like a whole frame (a binary
 * value holding one: the red team's read back "INJECTEDhello;"). Else the search, from the next byte.
 */
const resumeAt = (buf: Buffer, at: number, fault: { end?: number }, search: Search): number | null => {
  const end = fault.end
  if (end !== undefined && (end === buf.length || faultAt(buf, end) === null)) return end
  return search.next(at + 1)
}

/**
 * Every whole, intact frame of `data`, in order, reading on past damage. A frame that runs past the end
 * is a tear only when no whole frame follows it: then its missing bytes are all at the end. Otherwise its
 * length is damaged, like one over any a peer writes, and what followed it is read.
 * With `onUpdate`, each payload goes to it as it is read and none is kept: a file at the store's cap
 * holds up to 14 M frames of a few bytes, and an array of a view per frame took ~2 GB of heap for them.
 */
export const decodeFrames = (data: Uint8Array, onUpdate?: (update: Uint8Array) => void): Frames => {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  const out: Frames = { updates: [], count: 0, skipped: [], tornAt: null, dropped: 0 }
  const search = new Search(buf)
  let at = 0
  /** The frame at `at`, `len` bytes of payload: its update out, and `at` past it. */
  const take = (len: number): void => {
    const update = buf.subarray(at + HEADER, at + HEADER + len)
    if (onUpdate) onUpdate(update)
    else out.updates.push(update)
    out.count++
    at += HEADER + len
  }
  while (at < buf.length) {
    const fault = faultAt(buf, at)
    if (!fault) {
      take(buf.readUInt32LE(at))
      continue
    }
    // A tear is the usual last frame, and mending it would checksum up to 32 lengths of its tail: one
    // that runs past the end is mended only once a whole frame after it says it is no tear. Mended, it
    // is read whole, and the search's find (which may lie inside its payload) is not taken.
    let next = fault.torn ? resumeAt(buf, at, fault, search) : undefined
    if (fault.torn && next === buf.length) {
      out.tornAt = at
      out.dropped += buf.length - at
      break
    }
    const mended = at + HEADER <= buf.length ? search.mend(at) : null
    if (mended !== null) {
      out.skipped.push({ at, bytes: 0, why: `a frame whose length had one bit flipped (read whole as ${mended} bytes)` })
      take(mended)
      continue
    }
    if (next === undefined) next = resumeAt(buf, at, fault, search)
    const to = next ?? buf.length
    // A tear over bytes that look like frames everywhere (a large binary update) can spend the budget:
    // then it cannot be told from a damaged length, and is kept as damage, which deletes nothing.
    const spent = fault.torn ? `${fault.why}: a torn last frame or a damaged length; the search for a whole frame after it ran out of budget` : `${fault.why}, after which the search for a whole frame ran out of budget`
    const why = next === null ? spent : fault.why
    out.skipped.push({ at, bytes: to - at, why })
    out.dropped += to - at
    at = to
  }
  return out
}

/** The damaged stretches a report names one by one; the rest are counted. */
const NAMED = 3

/** What kept `f` (read from `size` bytes) from reading whole, for a log line; null when it read whole. */
export const framesReport = (f: Frames, size: number): string | null => {
  if (f.skipped.length === 0 && f.tornAt === null) return null
  const tear = f.tornAt === null ? null : `a torn last frame at byte ${f.tornAt}`
  const dropped = `${f.dropped} of ${size} bytes dropped`
  if (f.skipped.length === 0) return `read up to ${tear} (${dropped})`
  const parts = f.skipped.slice(0, NAMED).map((s) => `${s.why} at byte ${s.at} (${s.bytes} bytes skipped)`)
  if (f.skipped.length > NAMED) parts.push(`${f.skipped.length - NAMED} more damaged stretches`)
  if (tear) parts.push(tear)
  return `read past ${parts.join('; ')} (${dropped}; ${f.count} whole frames read)`
}
