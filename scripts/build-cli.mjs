#!/usr/bin/env node
/**
 * The CLI as a few ESM chunks (dist/cli/), from tsc's dist/node/cli.js. An agent spawns a peer per
 * session and waits for `initialize`: loading ~250 module files one by one (zod alone is ~100) cost
 * more than everything else at start, and 2-3x more on a loaded machine. Splitting keeps the peer's
 * modules in their own chunk, loaded after the MCP server is already answering.
 */
import { rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { build } from 'esbuild'

/**
 * zod re-exports every language's error messages as `z.locales` (260 KiB, a third of what loads before
 * `initialize`); nothing here reads them, and zod itself uses English. The CLI keeps `en` only.
 */
const englishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /\/locales\/index\.js$/ }, (args) => (/[\\/]zod[\\/]/.test(args.importer) ? { path: join(dirname(args.importer), '../locales/en.js'), namespace: 'zod-locales' } : undefined))
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({ contents: `export { default as en } from ${JSON.stringify(args.path)}`, resolveDir: dirname(args.path) }))
  }
}

// Chunk names carry content hashes: without this, old chunks would pile up in the package.
rmSync('dist/cli', { recursive: true, force: true })

await build({
  entryPoints: { 'peer-plan-node': 'dist/node/cli.js' },
  outdir: 'dist/cli',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // SOURCEMAP=1 (scripts/build.mjs) adds maps; run with node --enable-source-maps to read stack traces.
  sourcemap: process.env.SOURCEMAP === '1',
  // Less to parse before `initialize` can be answered (NO_MINIFY=1 keeps names, for reading CPU profiles).
  minify: process.env.NO_MINIFY !== '1',
  // ws's optional native helpers: absent is fine, ws checks at run time.
  external: ['bufferutil', 'utf-8-validate'],
  // CommonJS dependencies (bonjour-service) call require; ESM chunks need one.
  banner: { js: "import { createRequire as __ppRequire } from 'node:module'; const require = __ppRequire(import.meta.url);" },
  plugins: [englishOnly],
  logLevel: 'warning'
})
