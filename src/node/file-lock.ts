/**
 * A lock file next to servers.json, taken with O_EXCL. Why not proper-lockfile: its staleness is by
 * mtime only, with a floor of seconds, so a writer killed mid-update would block every other peer that
 * long. This lock records the holder's pid and start time, so a dead holder's lock is broken on the next
 * poll (~10 ms), and a stopped one's (SIGSTOP: /proc says 'T') after `staleMs`. A holder that runs is
 * slow, not hung: 40 peers starting at once on 2 cores kept one past a second mid-update, and breaking
 * its lock then lost an entry of servers.json. Its lock goes stale only after `busyStaleMs`, and the
 * holder is told if it lost the lock anyway (`held`), so it can check before it commits.
 */
import { constants as C, lstatSync, promises as fs } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { basename, dirname, join } from 'node:path'
import { isProcessAlive, machineId, processState, selfIdentity } from './process-identity.js'
import { readRegularFileSync, UnsafeFileError } from './regular-file.js'

export class LockTimeoutError extends Error {}

export interface LockOptions {
  /** When a stopped holder's lock, or one whose holder cannot be told, is stale. Default 1000. */
  staleMs?: number
  /** The same for a holder of this machine that runs (or sleeps). Default 10000. */
  busyStaleMs?: number
  timeoutMs?: number
  pollMs?: number
  /** When a moved-aside lock (`<lock>.<hex>.stale`) is a dead breaker's leftover. Default 5000. */
  leftoverMs?: number
  /** Told when something that is no lock of ours (a symlink, a FIFO, another user's file) is removed. */
  warn?: (msg: string) => void
}

interface LockOwner {
  pid: number
  pidStart: number | null
  hostId: string
  token: string
}

/** A lock body is ~150 bytes; anything much larger was not written by a peer. */
const LOCK_MAX_BYTES = 4096

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const readOwner = (raw: string): LockOwner | null => {
  try {
    const o = JSON.parse(raw)
    return typeof o?.pid === 'number' && typeof o?.token === 'string' ? o : null
  } catch {
    return null
  }
}

/** What is at a lock path: nothing, a lock file as read, or something no peer made (and why). */
type Seen = { kind: 'gone' } | { kind: 'lock'; raw: string; mtimeMs: number } | { kind: 'alien'; why: string }

const look = (path: string): Seen => {
  try {
    const { mtimeMs } = lstatSync(path)
    const raw = readRegularFileSync(path, { maxBytes: LOCK_MAX_BYTES })
    return raw === null ? { kind: 'gone' } : { kind: 'lock', raw, mtimeMs }
  } catch (err) {
    if (err instanceof UnsafeFileError) return { kind: 'alien', why: err.reason }
    const code = (err as NodeJS.ErrnoException).code
    return code === 'ENOENT' ? { kind: 'gone' } : { kind: 'alien', why: `cannot be read (${code ?? (err as Error).message})` }
  }
}

/**
 * True when the lock at path was stale and is now gone (so the caller should try again at once). A
 * symlink, FIFO, device, directory or another user's file there is no lock: it is never followed or
 * read, and is removed at once.
 */
const breakIfStale = async (path: string, limits: Staleness, hostId: string, warn: (msg: string) => void): Promise<boolean> => {
  const seen = look(path)
  if (seen.kind === 'gone') return true
  if (seen.kind === 'lock') {
    const owner = readOwner(seen.raw)
    const age = Date.now() - seen.mtimeMs
    if (age <= staleAfter(owner, hostId, limits)) return false
    if (owner && owner.hostId === hostId && isProcessAlive(owner)) warn(`${path}: held for ${Math.round(age)} ms by live pid ${owner.pid}; broken as stale`)
  }
  // Move it aside, then check we moved what we judged: between our look and the rename another
  // waiter may have broken it and taken a fresh one, which we must hand back.
  const aside = `${path}.${randomBytes(6).toString('hex')}.stale`
  try {
    await fs.rename(path, aside)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true
    throw err
  }
  const moved = look(aside)
  if (moved.kind === 'lock' && (seen.kind !== 'lock' || moved.raw !== seen.raw)) await fs.link(aside, path).catch(() => {})
  else if (seen.kind === 'alien') warn(`${path} ${seen.why}: not a lock file; removed it`)
  await fs.rm(aside, { force: true, recursive: true })
  await removeLeftAside(path, limits.leftoverMs)
  return true
}

interface Staleness {
  staleMs: number
  busyStaleMs: number
  leftoverMs: number
}

const LEFTOVER_MS = 5000

/**
 * Removes the `<lock>.<hex>.stale` files that breakers killed between their rename and their rm left
 * next to the lock, which nothing else would ever remove. Aged by ctime, which the rename set: the
 * mtime is the old lock's own. A live breaker's file is milliseconds old; were one removed all the
 * same (its breaker stopped for seconds), the worst case is a lock it would have handed back, whose
 * holder's `held()` then says so.
 */
export const removeLeftAside = async (lockPath: string, minAgeMs = LEFTOVER_MS): Promise<void> => {
  const dir = dirname(lockPath)
  const prefix = `${basename(lockPath)}.`
  let names: string[]
  try {
    names = await fs.readdir(dir)
  } catch {
    return
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !/^[0-9a-f]{12}\.stale$/.test(name.slice(prefix.length))) continue
    const path = join(dir, name)
    try {
      if (Date.now() - (await fs.lstat(path)).ctimeMs >= minAgeMs) await fs.rm(path, { force: true, recursive: true })
    } catch {
      // Gone meanwhile, or not ours to remove: the next sweep tries again.
    }
  }
}

/** How old the lock of `owner` may grow before it is broken: 0 for a dead holder of this machine. */
const staleAfter = (owner: LockOwner | null, hostId: string, { staleMs, busyStaleMs }: Staleness): number => {
  if (owner === null || owner.hostId !== hostId) return staleMs
  if (!isProcessAlive(owner)) return 0
  const state = processState(owner)
  // Without /proc a stopped holder cannot be told from a busy one: the short limit, and `held` keeps it safe.
  return state === null || state === 'T' || state === 't' ? staleMs : busyStaleMs
}

/**
 * Runs `fn` under the lock at `path`. `fn` gets `held()`: false once its lock was broken as stale (and
 * perhaps taken by another), so a writer checks it just before it commits and starts over if not.
 */
export const withFileLock = async <T>(path: string, fn: (held: () => boolean) => Promise<T>, opts: LockOptions = {}): Promise<T> => {
  const { staleMs = 1000, busyStaleMs = 10_000, leftoverMs = LEFTOVER_MS, timeoutMs = 5000, pollMs = 10, warn = () => {} } = opts
  const hostId = machineId()
  const token = randomBytes(8).toString('hex')
  const body = JSON.stringify({ ...selfIdentity(), hostId, token })
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      const fh = await fs.open(path, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o600)
      try {
        await fh.writeFile(body)
      } finally {
        await fh.close()
      }
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    if (await breakIfStale(path, { staleMs, busyStaleMs, leftoverMs }, hostId, warn)) continue
    if (Date.now() > deadline) throw new LockTimeoutError(`could not lock ${path} within ${timeoutMs} ms`)
    await sleep(pollMs + Math.random() * pollMs)
  }
  const held = () => {
    const now = look(path)
    return now.kind === 'lock' && readOwner(now.raw)?.token === token
  }
  try {
    return await fn(held)
  } finally {
    // Release only our own lock: if ours was broken as stale, the file now belongs to someone else.
    if (held()) await fs.rm(path, { force: true })
  }
}
