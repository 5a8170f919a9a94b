/**
 * The mesh secret: 256 random bits, hex, in `$PEER_PLAN_HOME/mesh.key` (0600), made once. Every peer
 * of a home shares it; peers of other homes join only if they are given the same one (`--secret-file`).
 * It never leaves this machine: links prove it with an HMAC (link-auth.ts), and people get a token
 * derived from it (access-token.ts).
 *
 * Made atomically with link(2): the key is written to a private temp file and linked into place, which
 * fails if another peer got there first; then everyone reads the one that won.
 */
import { randomBytes } from 'node:crypto'
import { constants as C, promises as fs } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from './log.js'

export class SecretError extends Error {}

const MIN_HEX = 32 // 128 bits

const parseKey = (text: string, path: string): Buffer => {
  const hex = text.trim()
  if (!/^[0-9a-f]+$/i.test(hex) || hex.length < MIN_HEX || hex.length % 2) {
    throw new SecretError(`${path}: a mesh key is at least ${MIN_HEX} hex digits (128 bits)`)
  }
  return Buffer.from(hex, 'hex')
}

/** Reads a key file: not through a symlink, not a FIFO, ours, and a key; a key readable by others is fixed, with a warning. */
const readKeyFile = async (path: string, log: Logger): Promise<Buffer | null> => {
  let fh: fs.FileHandle
  try {
    fh = await fs.open(path, C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return null
    throw new SecretError(`${path}: ${code === 'ELOOP' ? 'is a symlink; refusing to follow it' : (code ?? (err as Error).message)}`)
  }
  try {
    const st = await fh.stat()
    if (!st.isFile()) throw new SecretError(`${path}: not a regular file`)
    if (typeof process.getuid === 'function' && st.uid !== process.getuid()) throw new SecretError(`${path}: belongs to uid ${st.uid}, not to us`)
    if (st.size > 4096) throw new SecretError(`${path}: too large for a key`)
    // Parsed before any chmod: a mistyped --secret-file (~/.bashrc, or /etc/passwd as root) is refused
    // with its mode untouched; only a file that really is a key is worth tightening.
    const key = parseKey(await fh.readFile('utf8'), path)
    if (st.mode & 0o077) {
      log.warn(`${path} was readable by others (mode ${(st.mode & 0o777).toString(8)}); set to 600. Anyone who read it can join the mesh: delete it to make a new one.`)
      await fh.chmod(0o600)
    }
    return key
  } finally {
    await fh.close()
  }
}

const createKeyFile = async (path: string): Promise<void> => {
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
  await fs.writeFile(tmp, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW })
  try {
    await fs.link(tmp, path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  } finally {
    await fs.rm(tmp, { force: true })
  }
}

/** The secret from `secretFile` if given, else the home's mesh.key, made on first use. */
export const loadMeshKey = async (home: string, secretFile: string | null, log: Logger): Promise<Buffer> => {
  if (secretFile) {
    const key = await readKeyFile(secretFile, log)
    if (!key) throw new SecretError(`${secretFile}: no such file`)
    return key
  }
  const path = join(home, 'mesh.key')
  const existing = await readKeyFile(path, log)
  if (existing) return existing
  await createKeyFile(path)
  return (await readKeyFile(path, log))!
}
