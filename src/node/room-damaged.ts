/**
 * Room files of processes that are gone which could not be read whole: refused (another user's, not a
 * regular file) or damaged. Deleting them would delete what could not be read, so they are renamed aside
 * as `<name>.damaged`, a name no loader reads, for a person to look at: once this peer's snapshot holds
 * what could be read of them, as a deleted file would be. Each room keeps the newest MAX_DAMAGED; a
 * further one pushes the oldest out, with a warning, so a home never fills up with them.
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from './log.js'

export const DAMAGED_SUFFIX = '.damaged'
export const MAX_DAMAGED = 8

const code = (err: unknown): string | undefined => (err as NodeJS.ErrnoException).code

/** Renames each of `names` (in `dir`) aside; one that is already gone was set aside by another peer. */
export const setAside = async (dir: string, names: string[], log: Logger): Promise<void> => {
  if (names.length === 0) return
  for (const name of names) {
    const path = join(dir, name)
    await fs.rename(path, path + DAMAGED_SUFFIX).catch((err: unknown) => {
      if (code(err) !== 'ENOENT') log.warn(`cannot set ${path} aside: ${(err as Error).message}; it stays where it is`)
    })
  }
  await prune(dir, log)
}

/** Past MAX_DAMAGED, removes the oldest set aside (a rename stamps ctime, so ctime is when). */
const prune = async (dir: string, log: Logger): Promise<void> => {
  const names = (await fs.readdir(dir).catch(() => [])).filter((n) => n.endsWith(DAMAGED_SUFFIX))
  if (names.length <= MAX_DAMAGED) return
  const aged = await Promise.all(names.map(async (n) => ({ n, at: (await fs.lstat(join(dir, n)).catch(() => null))?.ctimeMs ?? 0 })))
  aged.sort((a, b) => a.at - b.at)
  for (const { n } of aged.slice(0, aged.length - MAX_DAMAGED)) {
    const path = join(dir, n)
    await fs.rm(path, { force: true }).then(
      () => log.warn(`removed ${path}: the oldest of more than ${MAX_DAMAGED} damaged files kept for this room`),
      (err: Error) => log.warn(`cannot remove ${path}: ${err.message}`)
    )
  }
}
