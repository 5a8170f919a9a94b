/**
 * A lock file next to servers.json, taken with O_EXCL. Why not proper-lockfile: its staleness is by
 * mtime only, with a floor of seconds, so a writer killed mid-update would block every other peer that
 * long. This lock records the holder's pid and start time, so a dead holder's lock is broken on the next
 * poll (~10 ms); a live but hung holder's lock goes stale after `staleMs` (the critical section is a
 * read-modify-write of a small JSON file, milliseconds).
 */
import { constants as C, promises as fs } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { isProcessAlive, machineId, selfIdentity } from './process-identity.js'

export class LockTimeoutError extends Error {}

export interface LockOptions {
  staleMs?: number
  timeoutMs?: number
  pollMs?: number
}

interface LockOwner {
  pid: number
  pidStart: number | null
  hostId: string
  token: string
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const readOwner = (raw: string): LockOwner | null => {
  try {
    const o = JSON.parse(raw)
    return typeof o?.pid === 'number' && typeof o?.token === 'string' ? o : null
  } catch {
    return null
  }
}

/** True when the lock at path was stale and is now gone (so the caller should try again at once). */
const breakIfStale = async (path: string, staleMs: number, hostId: string): Promise<boolean> => {
  let raw: string
  let mtimeMs: number
  try {
    mtimeMs = (await fs.lstat(path)).mtimeMs
    raw = await fs.readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true
    throw err
  }
  const owner = readOwner(raw)
  const ownerDead = owner !== null && owner.hostId === hostId && !isProcessAlive(owner)
  if (!ownerDead && Date.now() - mtimeMs <= staleMs) return false
  // Move it aside, then check we moved the lock we judged: between our read and the rename another
  // waiter may have broken it and taken a fresh one, which we must hand back.
  const aside = `${path}.${randomBytes(6).toString('hex')}.stale`
  try {
    await fs.rename(path, aside)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true
    throw err
  }
  const moved = await fs.readFile(aside, 'utf8').catch(() => raw)
  if (moved !== raw) await fs.link(aside, path).catch(() => {})
  await fs.rm(aside, { force: true })
  return true
}

export const withFileLock = async <T>(path: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> => {
  const { staleMs = 1000, timeoutMs = 5000, pollMs = 10 } = opts
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
    if (await breakIfStale(path, staleMs, hostId)) continue
    if (Date.now() > deadline) throw new LockTimeoutError(`could not lock ${path} within ${timeoutMs} ms`)
    await sleep(pollMs + Math.random() * pollMs)
  }
  try {
    return await fn()
  } finally {
    // Release only our own lock: if ours was broken as stale, the file now belongs to someone else.
    const raw = await fs.readFile(path, 'utf8').catch(() => '')
    if (readOwner(raw)?.token === token) await fs.rm(path, { force: true })
  }
}
