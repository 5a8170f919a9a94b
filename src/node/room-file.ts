/**
 * One peer's files of one open room (see room-store.ts for the layout): every update of the doc is
 * appended to the peer's log, fsync'd in groups (one write + one fdatasync for whatever arrived while
 * the last one ran), and the log is folded into an atomic snapshot once it outgrows it. No timer: the
 * writer runs only while there is something to write.
 */
import { constants as C, promises as fs } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import * as Y from 'yjs'
import { privateDirSync, writePrivateFileAtomic } from './atomic-file.js'
import type { Logger } from './log.js'
import { DiskMarks } from './disk-marks.js'
import { setAside } from './room-damaged.js'
import { encodeFrame } from './room-log.js'

/** Files of processes that are gone, read into the doc at load: what becomes of them once our snapshot holds them. */
export interface DeadFiles {
  /** Read whole (a log's torn last frame included: it was never written): deleted. */
  read: string[]
  /** Refused, or read only in part: set aside (room-damaged.ts), never deleted. */
  damaged: string[]
}

export interface RoomFileOptions {
  dir: string
  tag: string
  room: string
  doc: Y.Doc
  compactBytes: number
  log: Logger
  dead: DeadFiles
  /**
   * The close of this room's previous file in this process, if one is under way: both write the same
   * <tag> files, and its final compaction empties the log, so nothing is written here before it ends.
   */
  after: Promise<void> | null
  onClosed: (file: RoomFile) => void
}

export class RoomFile {
  private queue: Buffer[] = []
  private running: Promise<void> | null = null
  private fh: FileHandle | null = null
  private logBytes = 0
  private snapBytes = 0
  private closed = false
  private failed = false
  private readonly marks = new DiskMarks()
  /** Whether this peer ever wrote a file of the room: one that never did leaves no empty directory. */
  private wrote = false
  private dead: DeadFiles
  private after: Promise<void> | null
  private closing: Promise<void> | null = null
  /** The doc as close() found it, for the room's next file in this process (see `lastState`). */
  private finalState: Uint8Array | null = null
  private end!: () => void
  /** Resolves once close() has written all it will and let go of the log. */
  readonly ended = new Promise<void>((resolve) => (this.end = resolve))

  constructor(private readonly opts: RoomFileOptions) {
    this.dead = opts.dead
    this.after = opts.after
    opts.doc.on('update', this.onUpdate)
    // Files of the dead go, or are set aside, as soon as a snapshot of ours holds what they held.
    if (this.hasDead()) this.kick(true)
  }

  private onUpdate = (update: Uint8Array): void => {
    this.queue.push(encodeFrame(update))
    this.marks.queue()
    this.kick(false)
  }

  private kick(compact: boolean): void {
    if (this.running) return
    this.running = this.run(compact)
      .catch((err: Error) => {
        if (!this.failed) this.opts.log.warn(`room ${this.opts.room}: writing to disk failed: ${err.message}`)
        this.failed = true
        this.marks.failed()
      })
      .finally(() => {
        this.running = null
        if (this.queue.length > 0 && !this.closed) this.kick(false)
      })
  }

  private async run(compact: boolean): Promise<void> {
    if (this.after) await this.after
    this.after = null
    // After a failed write the log may end in a broken frame, past which a reload reads nothing: a
    // snapshot of the whole doc (which empties the log) is the first thing written again.
    if (this.failed) return this.heal()
    while (this.queue.length > 0) {
      const through = this.marks.queued
      const batch = Buffer.concat(this.queue.splice(0))
      const fh = await this.logHandle()
      await fh.write(batch)
      await fh.datasync()
      this.logBytes += batch.length
      this.marks.keptThrough(through)
    }
    if (compact || this.logBytes > Math.max(this.opts.compactBytes, this.snapBytes)) await this.snapshot()
  }

  /** The doc as one snapshot; everything queued before it was taken is then on disk. */
  private async snapshot(): Promise<void> {
    const through = this.marks.queued
    await this.compact(Y.encodeStateAsUpdate(this.opts.doc))
    this.marks.keptThrough(through)
  }

  private async heal(): Promise<void> {
    this.queue = []
    await this.snapshot()
    this.failed = false
    this.opts.log.info(`room ${this.opts.room}: writing to disk works again (a snapshot holds the whole room)`)
  }

  private async logHandle(): Promise<FileHandle> {
    if (this.fh) return this.fh
    const fh = await this.inDir(() => fs.open(join(this.opts.dir, `${this.opts.tag}.log`), C.O_WRONLY | C.O_CREAT | C.O_APPEND | C.O_NOFOLLOW, 0o600))
    const st = await fh.stat()
    if (!st.isFile()) {
      await fh.close()
      throw new Error(`${this.opts.tag}.log is not a regular file`)
    }
    this.logBytes = st.size
    this.fh = fh
    return fh
  }

  /**
   * The doc as one durable snapshot, then an empty log. A crash between the two leaves the log beside a
   * snapshot that already holds it: read twice, applied once. `state` is taken by the caller when it
   * decides to compact, so every update already appended is in it.
   */
  private async compact(state: Uint8Array): Promise<void> {
    const frame = encodeFrame(state)
    await this.inDir(() => writePrivateFileAtomic(join(this.opts.dir, `${this.opts.tag}.snap`), frame, { durable: true }))
    this.snapBytes = frame.length
    if (this.fh) await this.fh.truncate(0)
    this.logBytes = 0
    const { read, damaged } = this.dead
    this.dead = { read: [], damaged: [] }
    await Promise.all(read.map((name) => fs.rm(join(this.opts.dir, name), { force: true })))
    await setAside(this.opts.dir, damaged, this.opts.log)
  }

  private hasDead(): boolean {
    return this.dead.read.length + this.dead.damaged.length > 0
  }

  /** Resolves once everything the doc has taken so far is on disk (the tests' and a caller's barrier). */
  async idle(): Promise<void> {
    while (this.running) await this.running
  }

  /**
   * True once every update the doc has taken so far is on disk (in the log, fdatasync'd, or in a
   * snapshot); false if writing it failed. Unlike idle(), it does not wait for later updates.
   */
  flushed(): Promise<boolean> {
    return this.failed ? Promise.resolve(false) : this.marks.wait()
  }

  /** Bytes of this peer's log and snapshot now. */
  get bytes(): { log: number; snap: number } {
    return { log: this.logBytes, snap: this.snapBytes }
  }

  /**
   * What the doc held when close() began, null before (or when it could not be encoded). The room's
   * next file in this process starts from it: its load may run before this close has written it.
   */
  get lastState(): Uint8Array | null {
    return this.finalState
  }

  /**
   * Stops listening and leaves the room on disk as one snapshot of this peer (the idle cost). The state
   * is taken now, while the doc still exists: the caller destroys it right after. Never rejects: its
   * callers let it run unawaited, where a rejection would end the peer. A second call waits for the first.
   */
  close(): Promise<void> {
    this.closing ??= this.shut()
    return this.closing
  }

  private async shut(): Promise<void> {
    this.closed = true
    this.opts.doc.off('update', this.onUpdate)
    const pending = this.queue.length > 0 || this.logBytes > 0 || this.hasDead()
    try {
      const through = this.marks.queued
      const state = Y.encodeStateAsUpdate(this.opts.doc)
      this.finalState = state
      await this.running
      await this.after
      this.queue = []
      if (pending) await this.compact(state)
      this.marks.keptThrough(through)
    } catch (err) {
      this.opts.log.warn(`room ${this.opts.room}: final write failed: ${(err as Error).message}`)
      this.marks.failed()
    } finally {
      await this.fh?.close().catch(() => {})
      this.fh = null
      // A room only read (an agent's read_room, a page that looked) holds nothing: its directory goes
      // unless another peer's files are in it (rmdir removes only an empty one), so it is not listed.
      if (!this.wrote) await fs.rmdir(this.opts.dir).catch(() => {})
      this.opts.onClosed(this)
      this.end()
    }
  }

  /**
   * Creates a file in the room's directory, made again if another peer removed it as empty (close()
   * above) after this one loaded it, or between the making and the creating. The first marks this file
   * as one that wrote.
   */
  private async inDir<T>(create: () => Promise<T>): Promise<T> {
    this.wrote = true
    for (let attempt = 0; ; attempt++) {
      privateDirSync(this.opts.dir)
      try {
        return await create()
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 2) throw err
      }
    }
  }
}
