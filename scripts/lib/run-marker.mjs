/**
 * The test suite's run marker: vitest's globalSetup picks an id per run and every test worker puts it in
 * PEER_PLAN_TEST_RUN. Whatever a run spawns inherits it and every temp dir it makes carries it in its
 * name, so the end-of-run leak check counts only this run's leftovers on a machine where other checkouts
 * run their suites at the same time.
 */
export const RUN_ENV = 'PEER_PLAN_TEST_RUN'

/** This run's id, or '' outside a test run (the bench on its own). */
export const currentRun = () => process.env[RUN_ENV] ?? ''
