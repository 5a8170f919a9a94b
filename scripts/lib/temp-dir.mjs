/** Temp dirs for tests and the bench, named with the run marker when there is one (see run-marker.mjs). */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { currentRun } from './run-marker.mjs'

/**
 * A fresh directory under the OS temp dir: `${prefix}${run}-XXXXXX`, or `${prefix}XXXXXX` outside a run.
 * `run` is this process's run unless given (the leak check's own test leaves dirs for a made-up run).
 */
export const makeTempDir = (prefix, run = currentRun()) => mkdtempSync(join(tmpdir(), run ? `${prefix}${run}-` : prefix))

export const removeDir = (dir) => rmSync(dir, { recursive: true, force: true, maxRetries: 3 })

const doomed = new Set()
/** Removes dir when the process exits, however it exits short of SIGKILL: for scripts, not tests. */
export const removeOnExit = (dir) => {
  if (doomed.size === 0) process.on('exit', () => doomed.forEach(removeDir))
  doomed.add(dir)
  return dir
}
