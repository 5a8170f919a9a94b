/**
 * What a test run left behind: temp dirs named with its run id, processes carrying its run marker; and
 * the end-of-run verdict on them (leak-check.ts). A temp dir made without the run id in its name is
 * invisible here, which is why tests make theirs with test/helpers/temp.ts.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RUN_ENV } from '../../scripts/lib/run-marker.mjs'
import { removeDir } from '../../scripts/lib/temp-dir.mjs'
import { waitFor } from '../../scripts/lib/wait-for.mjs'

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

const count = (l: Leaks) => l.dirs.length + l.processes.length

const describeLeaks = (run: string, l: Leaks) =>
  [
    `\n[leak-check] FAILED: run ${run} left ${l.dirs.length} temp dir(s) and ${l.processes.length} process(es) behind:`,
    ...l.dirs.map((d) => `  dir ${d}`),
    ...l.processes.map((p) => `  pid ${p.pid} ${p.cmd.slice(0, 200)}`),
    '  (now removed and killed; the teardown that should have done it is the bug)\n'
  ].join('\n')

/**
 * True when the run left nothing behind. Otherwise says what it left, kills and removes it (so one bad
 * run does not haunt the next) and returns false: the run fails.
 */
export const checkRun = async (run: string, write: (text: string) => void, graceMs = 5000): Promise<boolean> => {
  let leaks = findLeaks(run)
  // A process killed a moment ago (a browser's helpers after the browser) may still be on its way out.
  await waitFor(() => count((leaks = findLeaks(run))) === 0, 'leftovers to go', graceMs, 100).catch(() => {})
  if (count(leaks) === 0) {
    write(`[leak-check] run ${run}: no temp dir and no process left behind\n`)
    return true
  }
  write(describeLeaks(run, leaks))
  for (const p of leaks.processes) {
    try {
      process.kill(p.pid, 'SIGKILL')
    } catch {}
  }
  leaks.dirs.forEach(removeDir)
  return false
}
