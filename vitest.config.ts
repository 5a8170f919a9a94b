import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // The run id every spawned peer and temp dir carries, and the end-of-run check that none survived.
    globalSetup: ['test/setup/leak-check.ts'],
    setupFiles: ['test/setup/run-marker.ts'],
    // The JSON report gives .ci/run its plain 'N passed, N failed' closing line.
    reporters: ['default', ['json', { outputFile: 'test-artifacts/vitest.json' }]]
  }
})
