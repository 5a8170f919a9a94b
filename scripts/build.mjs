#!/usr/bin/env node
/**
 * The one build, run by `pnpm build`, `pnpm mesh`, `pnpm test`, the benches and `prepack`: tsc's
 * dist/node, dist/shared and dist/browser (the `peer-plan/node` and `peer-plan/browser` exports with
 * their .d.ts), then the browser bundles and the CLI chunks. dist/ is emptied first, so nothing a
 * deleted source or an earlier SOURCEMAP=1 build left behind ends up in the package.
 * Source maps only with SOURCEMAP=1: they were 6.5 of the package's 8 MB unpacked, and Node only reads
 * them with --enable-source-maps.
 */
import { execFileSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { createRequire } from 'node:module'

rmSync('dist', { recursive: true, force: true })
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
try {
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', ...(process.env.SOURCEMAP === '1' ? ['--sourceMap'] : [])], { stdio: 'inherit' })
} catch {
  process.exit(1) // tsc has printed why
}
await import('./build-browser.mjs')
await import('./build-cli.mjs')
