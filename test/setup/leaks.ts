/** What a test run left behind: temp dirs named with its run id, processes carrying its run marker. */
import { readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RUN_ENV } from '../../scripts/lib/run-marker.mjs'

export interface Leaks {
  dirs: string[]
  processes: { pid: number; cmd: string }[]
}

const read = (path: string): string => {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return '' // gone meanwhile, or not ours to read
  }
}

/** Temp dirs are named `${prefix}${run}-XXXXXX` (scripts/lib/temp-dir.mjs). */
const leftoverDirs = (run: string): string[] => readdirSync(tmpdir()).filter((n) => n.includes(`${run}-`)).map((n) => join(tmpdir(), n))

/**
 * A process's environ is the one it started with, so it names the run that spawned it even after the
 * spawner is gone. A zombie's reads empty: it is dead, only not yet reaped.
 */
const leftoverProcesses = (run: string): Leaks['processes'] => {
  const marker = `${RUN_ENV}=${run}`
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n) && Number(n) !== process.pid)
    .filter((pid) => read(`/proc/${pid}/environ`).split('\0').includes(marker))
    .map((pid) => ({ pid: Number(pid), cmd: read(`/proc/${pid}/cmdline`).split('\0').join(' ').trim() }))
}

export const findLeaks = (run: string): Leaks => ({ dirs: leftoverDirs(run), processes: leftoverProcesses(run) })
