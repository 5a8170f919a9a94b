/**
 * globalSetup: gives the run an id (workers set it as PEER_PLAN_TEST_RUN, see run-marker.ts), and at
 * the very end fails the run if any temp dir or process of this run survived its tests' teardown.
 */
import { randomBytes } from 'node:crypto'
import type { TestProject } from 'vitest/node'
import { checkRun } from './leaks.js'

declare module 'vitest' {
  export interface ProvidedContext {
    peerPlanTestRun: string
  }
}

export default function setup(project: TestProject) {
  const run = randomBytes(4).toString('hex')
  project.provide('peerPlanTestRun', run)
  return async () => {
    // Not a throw: vitest reports a throwing teardown as a "Startup Error"; this says what it is.
    if (!(await checkRun(run, (text) => process.stderr.write(text)))) process.exitCode = 1
  }
}
