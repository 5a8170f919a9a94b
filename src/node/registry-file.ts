/**
 * $PEER_PLAN_HOME/servers.json: {"peers": [PeerEntry, ...]}. Readers take no lock (every write is an
 * atomic rename, so a reader sees a whole file); writers serialise through file-lock so that concurrent
 * starts lose no entry. A file that is not a regular file of ours under the size cap is never read (a
 * FIFO, a device, a symlink, another user's file); a regular one that cannot be used is moved aside as
 * servers.json.corrupt (the two before it as .corrupt.1 and .2), and the file is rewritten; the live
 * peers put themselves back on their next sweep.
 */
import { lstatSync, promises as fs } from 'node:fs'
import { join } from 'node:path'
import { CommitRefusedError, ensurePrivateDir, readPrivateFile, writePrivateFileAtomic } from './atomic-file.js'
import { removeLeftAside, withFileLock } from './file-lock.js'
import type { Logger } from './log.js'
import { UnsafeFileError } from './regular-file.js'
import { checkPeerEntry as parsePeerEntry } from '../shared/entry-check.js'
import type { PeerEntry } from '../shared/schema.js'

/** ~300 bytes an entry: thousands of peers; a larger file is not this machine's servers.json. */
export const MAX_REGISTRY_BYTES = 4 * 1024 * 1024
/** Unusable servers.json files kept aside: the last as servers.json.corrupt, the ones before as .1 and .2. */
const KEPT_CORRUPT = 3

export interface RegistryRead {
  peers: PeerEntry[]
  /** Why the file could not be read whole, or null when it was fine (or absent). */
  problem: string | null
}

export class RegistryFile {
  readonly path: string
  readonly lockPath: string
  /** The last text read and what it parsed to: every peer sweeps every second, the file rarely changes. */
  private last: { text: string | null; read: RegistryRead } | null = null

  constructor(
    readonly home: string,
    private readonly log: Logger
  ) {
    this.path = join(home, 'servers.json')
    this.lockPath = join(home, 'servers.json.lock')
  }

  async init(): Promise<void> {
    await ensurePrivateDir(this.home, this.log.warn)
    // A lock broken by a breaker that was killed mid-break stays aside until someone looks: here, once a start.
    await removeLeftAside(this.lockPath)
  }

  async read(): Promise<RegistryRead> {
    let text: string | null
    try {
      text = readPrivateFile(this.path, MAX_REGISTRY_BYTES)
    } catch (err) {
      if (err instanceof UnsafeFileError) return { peers: [], problem: `it ${err.reason}` }
      return { peers: [], problem: `it cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` }
    }
    // Validating N entries costs ~20 us each; N peers each sweeping every second made that N^2 per second.
    if (this.last?.text !== text) this.last = { text, read: parseRegistry(text) }
    return { peers: [...this.last.read.peers], problem: this.last.read.problem }
  }

  /**
   * Read-modify-write under the lock; `change` returns the new list, or null to leave the file as it is.
   * `lockTimeoutMs`: how long to wait for the lock (default 5 s). A write whose lock was broken meanwhile
   * is not made (another writer may have read the file since) and the whole cycle runs again.
   */
  async update(change: (peers: PeerEntry[]) => PeerEntry[] | null, lockTimeoutMs?: number): Promise<PeerEntry[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.updateOnce(change, lockTimeoutMs)
      } catch (err) {
        if (!(err instanceof CommitRefusedError) || attempt === 3) throw err
        this.log.warn(`${err.message}; trying again`)
      }
    }
  }

  private updateOnce(change: (peers: PeerEntry[]) => PeerEntry[] | null, lockTimeoutMs?: number): Promise<PeerEntry[]> {
    return withFileLock(this.lockPath, async (held) => {
      const { peers, problem } = await this.read()
      const next = change(peers)
      if (problem) {
        const kept = await this.keepAside()
        this.log.warn(`${this.path}: ${problem}; rewriting it${kept ? ' (the old one is kept as servers.json.corrupt)' : ''}`)
      }
      if (next === null && !problem) return peers
      const out = next ?? peers
      // No fsync: the file lists live processes, and after a power loss every one of them is gone. The
      // lock is held for the whole read-modify-write, so a shorter one serves 32 starting peers sooner.
      await writePrivateFileAtomic(this.path, JSON.stringify({ peers: out }, null, 2) + '\n', { commitIf: held })
      return out
    }, { warn: this.log.warn, ...(lockTimeoutMs === undefined ? {} : { timeoutMs: lockTimeoutMs }) })
  }

  /**
   * Under the lock: a regular file that could not be used is renamed aside (never read again, whatever
   * its size or owner), so nothing is lost; so is a directory, which the rename that follows could not
   * replace. Anything else (a FIFO, a symlink) holds no data of ours and is simply replaced. The copies
   * kept before move down one (servers.json.corrupt.1, .2): a second bad file does not overwrite the
   * first, and at most KEPT_CORRUPT copies (each under the 4 MiB cap or not) take disk space.
   */
  private async keepAside(): Promise<boolean> {
    try {
      const st = lstatSync(this.path)
      if (!st.isFile() && !st.isDirectory()) return false
      const kept = (i: number) => `${this.path}.corrupt${i === 0 ? '' : `.${i}`}`
      // Not recursive: a directory once found at servers.json is kept, never deleted (its slot is then not reused).
      await fs.rm(kept(KEPT_CORRUPT - 1), { force: true }).catch(() => {})
      for (let i = KEPT_CORRUPT - 2; i >= 0; i--) await fs.rename(kept(i), kept(i + 1)).catch(() => {})
      await fs.rename(this.path, kept(0))
      return true
    } catch {
      return false
    }
  }

  upsert(entry: PeerEntry, lockTimeoutMs?: number): Promise<PeerEntry[]> {
    // An entry on the same url is a dead predecessor: two processes cannot hold one port.
    return this.update((peers) => [...peers.filter((p) => p.id !== entry.id && p.url !== entry.url), entry], lockTimeoutMs)
  }

  remove(id: string): Promise<PeerEntry[]> {
    return this.update((peers) => (peers.some((p) => p.id === id) ? peers.filter((p) => p.id !== id) : null))
  }
}

export const parseRegistry = (text: string | null): RegistryRead => {
  if (text === null) return { peers: [], problem: null }
  if (text.trim() === '') return { peers: [], problem: 'file is empty' }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    return { peers: [], problem: `invalid JSON (${(err as Error).message})` }
  }
  // registryFileSchema's rule: an object whose `peers` is an array (each entry is checked below).
  const list = typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as { peers?: unknown }).peers : undefined
  if (!Array.isArray(list)) return { peers: [], problem: 'not of the form {"peers": [...]}' }
  const peers: PeerEntry[] = []
  const seen = new Set<string>()
  let bad = 0
  for (const raw of list) {
    const entry = parsePeerEntry(raw)
    if (!entry || seen.has(entry.id)) bad++
    else {
      seen.add(entry.id)
      peers.push(entry)
    }
  }
  return { peers, problem: bad ? `${bad} invalid or duplicate entr${bad === 1 ? 'y' : 'ies'} dropped` : null }
}
