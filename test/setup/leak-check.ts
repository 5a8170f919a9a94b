/**
 * globalSetup: gives the run an id (workers set it as PEER_PLAN_TEST_RUN, see run-marker.ts), and at
 * the very end fails the run if any temp dir or process of this run survived its tests' teardown.
 */
import { randomBytes } from 'node:crypto'
import type { TestProject } from 'vitest/node'
import { removeDir } from '../../scripts/lib/temp-dir.mjs'
import { waitFor } from '../../scripts/lib/wait-for.mjs'
import { findLeaks, type Leaks } from './leaks.js'

declare module 'vitest' {
  export interface ProvidedContext {
    peerPlanTestRun: string
  }
}

const count = (l: Leaks) => l.dirs.length + l.processes.length

const describeLeaks = (run: string, l: Leaks) =>
  [
    `\n[leak-check] FAILED: run ${run} left ${l.dirs.length} temp dir(s) and ${l.processes.length} process(es) behind:`,
    ...l.dirs.map((d) => `  dir ${d}`),
    ...l.processes.map((p) => `  pid ${p.pid} ${p.cmd.slice(0, 200)}`),
    '  (now removed and killed; the teardown that should have done it is the bug)\n'
  ].join('\n')

export default function setup(project: TestProject) {
  const run = randomBytes(4).toString('hex')
  project.provide('peerPlanTestRun', run)
  return async () => {
    let leaks = findLeaks(run)
    // A process killed a moment ago (a browser's helpers after the browser) may still be on its way out.
    await waitFor(() => count((leaks = findLeaks(run))) === 0, 'leftovers to go', 5000, 100).catch(() => {})
    if (count(leaks) === 0) {
      process.stderr.write(`[leak-check] run ${run}: no temp dir and no process left behind\n`)
      return
    }
    process.stderr.write(describeLeaks(run, leaks))
    for (const p of leaks.processes) {
      try {
        process.kill(p.pid, 'SIGKILL')
      } catch {}
    }
    leaks.dirs.forEach(removeDir)
    // Not a throw: vitest reports a throwing teardown as a "Startup Error"; this says what it is.
    process.exitCode = 1
  }
}
