/**
 * Reading a file someone else may have planted. Only a regular file is read: a FIFO would block the
 * open (and, in libuv's thread pool, even process.exit) until a writer came; a device may never end;
 * a symlink points wherever its author chose. So the open is O_NONBLOCK (a FIFO opens at once and is
 * then refused), O_NOFOLLOW unless the caller follows links on purpose, and fstat of the open file has
 * the last word on its type, owner and size. The read stops at the cap even if the file grows.
 *
 * Synchronous on purpose: one code path for the CLI's config (read before anything is async) and for
 * servers.json; the files are local and capped, and nothing here can wait on another process.
 */
import { closeSync, constants as C, fstatSync, lstatSync, openSync, readSync, type Stats } from 'node:fs'

export class UnsafeFileError extends Error {
  constructor(
    readonly path: string,
    /** A clause completing "<path> ...", e.g. "is a FIFO, not a regular file". */
    readonly reason: string
  ) {
    super(`${path} ${reason}`)
  }
}

export interface ReadRules {
  maxBytes: number
  /** Follow a symlink at the last component (a user's own --config may be one); default false. */
  follow?: boolean
  /** Accept files owned by root besides our own user, as ssh does for its config; default false. */
  trustRoot?: boolean
}

export const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(bytes < 1048576 ? 2 : 1)} MiB`

const kindOf = (st: Stats): string => {
  if (st.isSymbolicLink()) return 'a symlink'
  if (st.isFIFO()) return 'a FIFO'
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device'
  if (st.isSocket()) return 'a socket'
  if (st.isDirectory()) return 'a directory'
  return 'not a regular file'
}

const myUid = (): number | null => (typeof process.getuid === 'function' ? process.getuid() : null)

/** Why a file (by its stat) must not be read, or null when it may. */
export const refusal = (st: Stats, rules: ReadRules): string | null => {
  if (st.isSymbolicLink()) return 'is a symlink (not followed)'
  if (!st.isFile()) return `is ${kindOf(st)}, not a regular file`
  const me = myUid()
  if (me !== null && st.uid !== me && !(rules.trustRoot && st.uid === 0)) return `belongs to uid ${st.uid}, not to this user (uid ${me})`
  if (st.size > rules.maxBytes) return `is ${mib(st.size)}, over the ${mib(rules.maxBytes)} cap`
  return null
}

const code = (err: unknown): string | undefined => (err as NodeJS.ErrnoException).code

/** The file's text, null when it does not exist; UnsafeFileError when it must not be read. */
export const readRegularFileSync = (path: string, rules: ReadRules): string | null => readRegularBytesSync(path, rules)?.toString('utf8') ?? null

/** As readRegularFileSync, for binary files (a room's log): the bytes, null when it does not exist. */
export const readRegularBytesSync = (path: string, rules: ReadRules): Buffer | null => {
  // lstat first, so a device is refused before it is opened (opening some has side effects); the
  // fstat below is still the check that counts, since the name may change in between.
  let before: Stats
  try {
    before = lstatSync(path)
  } catch (err) {
    if (code(err) === 'ENOENT') return null
    throw err
  }
  const early = before.isSymbolicLink() && rules.follow ? null : refusal(before, rules)
  if (early) throw new UnsafeFileError(path, early)
  let fd: number
  try {
    fd = openSync(path, C.O_RDONLY | C.O_NONBLOCK | (rules.follow ? 0 : C.O_NOFOLLOW))
  } catch (err) {
    if (code(err) === 'ENOENT') return null
    if (code(err) === 'ELOOP') throw new UnsafeFileError(path, 'is a symlink (not followed)')
    throw err
  }
  try {
    const why = refusal(fstatSync(fd), rules)
    if (why) throw new UnsafeFileError(path, why)
    return readCapped(fd, path, rules.maxBytes)
  } finally {
    closeSync(fd)
  }
}

const readCapped = (fd: number, path: string, maxBytes: number): Buffer => {
  const buf = Buffer.alloc(Math.min(maxBytes + 1, 65536))
  const chunks: Buffer[] = []
  let total = 0
  for (;;) {
    const n = readSync(fd, buf, 0, buf.length, null)
    if (n === 0) break
    total += n
    if (total > maxBytes) throw new UnsafeFileError(path, `grew past the ${mib(maxBytes)} cap while being read`)
    chunks.push(Buffer.from(buf.subarray(0, n)))
  }
  return Buffer.concat(chunks, total)
}
