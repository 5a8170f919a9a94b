/**
 * Rooms on disk, under $PEER_PLAN_HOME/rooms/<room>/ (0700), one pair of files per peer process:
 *
 *   <tag>.log   append-only frames (room-log.ts), fsync'd in groups: every update this peer's doc took
 *   <tag>.snap  the whole doc as one frame, replaced atomically (temp + fsync + rename + dir fsync)
 *   tag = <peer id>-<pid>-<pid start time | x>
 *
 * Each peer writes only its own files, so peers sharing one home need no lock that a SIGKILL could
 * leave behind. Loading reads every peer's files (each log before its snapshot: a compaction renames
 * the snapshot before it empties the log) and merges them; Yjs updates merge idempotently. Files of
 * processes that are gone are deleted once this peer's own snapshot, which holds them, is durable; one
 * that could not be read whole is set aside instead (room-damaged.ts), never deleted, though every whole
 * frame in it, after the damage too, is read into the doc first.
 * A log longer than its snapshot (and 64 KiB) is compacted, so the disk grows with the doc, not with
 * the number of edits: per peer at most ~2x the doc + 64 KiB, and one snapshot per peer that held it.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import * as Y from 'yjs'
import { isValidRoomName } from '../shared/protocol.js'
import { privateDirSync } from './atomic-file.js'
import type { Logger } from './log.js'
import { isProcessAlive, type ProcessIdentity } from './process-identity.js'
import { decodeFrames, framesReport } from './room-log.js'
import { DAMAGED_SUFFIX } from './room-damaged.js'
import { RoomFile, type DeadFiles } from './room-file.js'
import { readRegularBytesSync, UnsafeFileError } from './regular-file.js'

export const ROOMS_DIR = 'rooms'
/** A room's doc is capped at 32 MiB; a log is compacted past its snapshot, so one file stays well under this. */
const MAX_FILE_BYTES = 128 * 1024 * 1024
/** readInto's answer for a file that is no longer there. */
const GONE = Symbol('gone')
const FILE_RE = /^([0-9a-f]{16})-(\d+)-(\d+|x)\.(log|snap)$/
const TMP_RE = /^\.([0-9a-f]{16}-\d+-(?:\d+|x))\.snap\./

export interface RoomStoreOptions {
  home: string
  peerId: string
  self: ProcessIdentity
  log: Logger
  /** A log is compacted once it passes max(this, its snapshot's size). */
  compactBytes?: number
}

const tagOf = (id: string, p: ProcessIdentity) => `${id}-${p.pid}-${p.pidStart ?? 'x'}`

const identityOf = (tag: string): ProcessIdentity => {
  const [, pid, start] = tag.split('-') as [string, string, string]
  return { pid: Number(pid), pidStart: start === 'x' ? null : Number(start) }
}

export class RoomStore {
  readonly tag: string
  readonly root: string
  private readonly compactBytes: number
  private readonly open = new Set<RoomFile>()
  /** Each room's newest file in this process, until it has closed: the next one follows it (attach). */
  private readonly latest = new Map<string, RoomFile>()

  constructor(private readonly opts: RoomStoreOptions) {
    this.tag = tagOf(opts.peerId, opts.self)
    this.root = join(opts.home, ROOMS_DIR)
    this.compactBytes = opts.compactBytes ?? 64 * 1024
  }

  /**
   * Loads every peer's files of `room` into `doc`, then keeps `doc` on disk from here on. Null (with a
   * warning) when the room's directory cannot be used: the room is then served from memory only.
   *
   * A room let go and opened again at once (its last client left, the next came) finds its previous
   * file still closing: that one's last state is taken over here, since its final snapshot may not be on
   * disk yet, and the new file writes nothing until the old one is done (they share the <tag> files).
   */
  attach(room: string, doc: Y.Doc): RoomFile | null {
    const dir = join(this.root, room)
    const prev = this.latest.get(room)
    let dead: DeadFiles
    try {
      privateDirSync(this.root)
      dead = this.loadMaking(dir, doc)
    } catch (err) {
      this.opts.log.warn(`room ${room} is not kept on disk: ${(err as Error).message}`)
      return null
    }
    const last = prev?.lastState
    if (last) this.apply(doc, last, `room ${room}: the state of its previous file`)
    const onClosed = (f: RoomFile) => {
      this.open.delete(f)
      if (this.latest.get(room) === f) this.latest.delete(room)
    }
    const file = new RoomFile({ dir, tag: this.tag, doc, compactBytes: this.compactBytes, log: this.opts.log, room, dead, after: prev?.ended ?? null, onClosed })
    this.open.add(file)
    this.latest.set(room, file)
    return file
  }

  /**
   * The room's directory, made if need be, and its files read. A peer that let an empty room go removes
   * its empty directory (room-file.ts), which may happen between the two: then it is made again.
   */
  private loadMaking(dir: string, doc: Y.Doc): DeadFiles {
    for (let attempt = 0; ; attempt++) {
      privateDirSync(dir)
      try {
        return this.load(dir, doc)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 2) throw err
      }
    }
  }

  /**
   * Reads the room's files into doc; returns the files of processes that are gone, by whether they were
   * read whole. A file that vanishes while being read (another peer compacted and cleaned up) sends the
   * reader round again: what it held is in that peer's new snapshot, written before the delete.
   */
  private load(dir: string, doc: Y.Doc): DeadFiles {
    for (let round = 0; ; round++) {
      const names = readdirSync(dir).sort((a, b) => (a.endsWith('.log') === b.endsWith('.log') ? a.localeCompare(b) : a.endsWith('.log') ? -1 : 1))
      const dead: DeadFiles = { read: [], damaged: [] }
      let vanished = false
      for (const name of names) {
        const tmp = TMP_RE.exec(name)
        const m = FILE_RE.exec(name)
        const tag = m ? `${m[1]}-${m[2]}-${m[3]}` : tmp?.[1]
        if (!tag) continue
        // Our own files too: a room this peer closed and opens again.
        const gone = tag !== this.tag && !isProcessAlive(identityOf(tag))
        // A temp snapshot is never read: it is whole only once renamed.
        const damage = m ? this.readInto(join(dir, name), doc) : null
        if (damage === GONE) vanished = true
        else if (damage === null) {
          if (gone) dead.read.push(name)
        } else {
          this.opts.log.warn(`${join(dir, name)}: ${damage}; ${gone ? `kept, as ${name}${DAMAGED_SUFFIX} once this peer's snapshot holds what was read` : 'left in place: its peer is alive'}`)
          if (gone) dead.damaged.push(name)
        }
      }
      if (!vanished || round >= 3) return dead
    }
  }

  /**
   * Applies one file's frames, the whole ones after damage too (room-log.ts). Null when it was read
   * whole (a log's torn last frame is what a SIGKILL mid-write leaves, never written: a debug line), GONE
   * when the file is gone, else what kept it from being read whole. A snapshot is replaced atomically,
   * so one that does not read whole is damaged.
   */
  private readInto(path: string, doc: Y.Doc): string | typeof GONE | null {
    let data: Buffer | null
    try {
      data = readRegularBytesSync(path, { maxBytes: MAX_FILE_BYTES })
    } catch (err) {
      return err instanceof UnsafeFileError ? `not read: it ${err.reason}` : `cannot be read: ${(err as Error).message}`
    }
    if (data === null) return GONE
    // Applied as read, and only the first failure's reason kept: a file at the cap can hold 14 M frames,
    // and a line for each one that does not apply (queued on stderr while this runs) took the heap.
    let failed = 0
    let first = ''
    const frames = Y.transact(doc, () => decodeFrames(data, (u) => {
      const err = this.tryApply(doc, u)
      if (err !== null && failed++ === 0) first = err
    }), this)
    const cut = framesReport(frames, data.length)
    const tearOnly = cut !== null && frames.skipped.length === 0 && path.endsWith('.log')
    if (tearOnly) this.opts.log.debug(`${path}: ${cut}`)
    const bad = failed > 0 ? `${failed} of its ${frames.count} updates do not apply (the first: ${first})` : null
    return [tearOnly ? null : cut, bad].filter(Boolean).join('; ') || null
  }

  private apply(doc: Y.Doc, update: Uint8Array, source: string): void {
    const err = this.tryApply(doc, update)
    if (err !== null) this.opts.log.warn(`${source}: an update that does not apply: ${err}`)
  }

  /** Null when `update` applied, else why not. */
  private tryApply(doc: Y.Doc, update: Uint8Array): string | null {
    try {
      Y.applyUpdate(doc, update, this)
      return null
    } catch (err) {
      return (err as Error).message
    }
  }

  /** Rooms with a directory in this home (kept on disk by some peer), sorted; at most `max`. */
  stored(max = 256): string[] {
    try {
      return readdirSync(this.root, { withFileTypes: true })
        .filter((e) => e.isDirectory() && isValidRoomName(e.name))
        .map((e) => e.name)
        .sort()
        .slice(0, max)
    } catch {
      return []
    }
  }

  /** Writes out what every open room still holds in memory (peer shutdown), and waits for closes under way. */
  async closeAll(): Promise<void> {
    await Promise.all([...this.open].map((f) => f.close()))
  }
}
