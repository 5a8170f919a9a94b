/**
 * setupFiles: puts this run's id in the worker's environment, so every process a test spawns and every
 * temp dir it makes carries it. Set here because the workers are forked before globalSetup runs and so
 * never see an environment variable it sets.
 */
import { inject } from 'vitest'
import { RUN_ENV } from '../../scripts/lib/run-marker.mjs'

process.env[RUN_ENV] = inject('peerPlanTestRun')
