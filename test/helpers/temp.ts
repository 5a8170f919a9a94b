/** Temp dirs for one test (or one describe block), removed when it ends. */
import { join } from 'node:path'
import { makeTempDir, removeDir } from '../../scripts/lib/temp-dir.mjs'
import { testScope, type Scope } from './scope.js'

/** Every test temp dir starts with this, then the run id (see scripts/lib/run-marker.mjs). */
export const TEMP_PREFIX = 'peer-plan-test-'

export const tempDir = (scope: Scope = testScope()): string => {
  const dir = makeTempDir(TEMP_PREFIX)
  scope.defer(() => removeDir(dir))
  return dir
}

/** A home for peers: a path inside a fresh temp dir, not yet created (the peer makes it 0700). */
export const tempHome = (scope: Scope = testScope()): string => join(tempDir(scope), 'home')
