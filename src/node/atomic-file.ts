/**
 * Private files done safely: the directory is 0700 and ours, files are 0600, writes are atomic
 * (temp file + rename, with an fsync only where asked), and no file we open is followed through a
 * symlink or read unless it is a regular file of ours.
 */
import { constants as C, lstatSync, mkdirSync, promises as fs } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { basename, dirname, join, resolve } from 'node:path'
import { readRegularFileSync } from './regular-file.js'

export class UnsafePathError extends Error {}

/**
 * mkdir -p, one level at a time. Not fs.mkdir's { recursive: true }: under /proc (and other filesystems
 * that answer ENOENT for a parent that exists) Node's recursive mkdir loops forever at 100% CPU.
 */
const makeDirs = async (dir: string, mode: number): Promise<void> => {
  const missing: string[] = []
  for (let d = resolve(dir); ; d = dirname(d)) {
    try {
      await fs.stat(d)
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(d) === d) throw err
      missing.unshift(d)
    }
  }
  for (const d of missing) {
    try {
      await fs.mkdir(d, { mode })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
  }
}

/**
 * Creates dir (0700) or checks the existing one is a real directory we own. A home others could enter
 * (group or other bits set) is tightened to 0700 with a warning naming both modes: anyone who could
 * write there could have planted servers.json or config.json, so the user should hear of it.
 */
export const ensurePrivateDir = async (dir: string, warn: (msg: string) => void = () => {}): Promise<void> => {
  try {
    await makeDirs(dir, 0o700)
  } catch (err) {
    throw new UnsafePathError(`cannot create the home directory ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  const st = await fs.lstat(dir)
  if (st.isSymbolicLink() || !st.isDirectory()) throw new UnsafePathError(`${dir} is not a directory (symlinks are refused)`)
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) {
    throw new UnsafePathError(`home ${dir} belongs to uid ${st.uid}, not to this user (uid ${process.getuid()}); refusing it`)
  }
  const mode = st.mode & 0o777
  if (mode === 0o700) return
  await fs.chmod(dir, 0o700)
  if (mode & 0o077) warn(`home ${dir} had mode ${octal(mode)}, open to other users; changed it to 0700 (check the files in it)`)
}

/** Makes dir (0700) or checks that what is there is a directory of ours, never a symlink. */
export const privateDirSync = (dir: string): void => {
  try {
    mkdirSync(dir, { mode: 0o700 })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  }
  const st = lstatSync(dir)
  if (st.isSymbolicLink() || !st.isDirectory()) throw new UnsafePathError(`${dir} is not a directory (symlinks are refused)`)
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) throw new UnsafePathError(`${dir} belongs to uid ${st.uid}, not to this user`)
}

const octal = (mode: number): string => `0${mode.toString(8).padStart(3, '0')}`

/**
 * A private file's text, or null when it does not exist. A symlink, FIFO, device, a file of another
 * user or one over maxBytes is an UnsafeFileError, never followed, waited on or read whole.
 */
export const readPrivateFile = (path: string, maxBytes: number): string | null => readRegularFileSync(path, { maxBytes })

/**
 * Replaces path atomically with data, mode 0600. A symlink at path is replaced, never followed.
 * `durable` adds an fsync before the rename: the rename alone already makes a process crash leave the
 * old file or the new one, never a torn one; the fsync only matters across a power loss.
 */
/** writePrivateFileAtomic's `commitIf` said no: nothing was written. */
export class CommitRefusedError extends Error {}

/**
 * `commitIf`, if given, is asked just before the rename that makes the new file visible (a writer under
 * a lock checks it still holds it); when it says no, the file is left as it was and CommitRefusedError
 * is thrown.
 */
export const writePrivateFileAtomic = async (path: string, data: string | Uint8Array, opts: { durable?: boolean; commitIf?: () => boolean } = {}): Promise<void> => {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
  const fh = await fs.open(tmp, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o600)
  try {
    await fh.writeFile(data)
    if (opts.durable) await fh.sync()
  } catch (err) {
    await fh.close().catch(() => {})
    await fs.rm(tmp, { force: true })
    throw err
  }
  await fh.close()
  try {
    if (opts.commitIf && !opts.commitIf()) throw new CommitRefusedError(`${path}: not written (the writer's lock was broken)`)
    await fs.rename(tmp, path)
  } catch (err) {
    await fs.rm(tmp, { force: true })
    throw err
  }
  // The rename is durable only once the directory that holds the new name is.
  if (opts.durable) await syncDir(dirname(path))
}

const syncDir = async (dir: string): Promise<void> => {
  const fh = await fs.open(dir, C.O_RDONLY | C.O_DIRECTORY)
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}
