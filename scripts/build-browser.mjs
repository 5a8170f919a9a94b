#!/usr/bin/env node
/**
 * Self-contained ESM bundles for the browser: dist/browser/peer-plan.js (joinMesh and friends) and
 * dist/browser/dashboard.js (the page at /). Fails if a bundle would hold two copies of yjs, since
 * two yjs instances in one page break Y.Doc identity checks.
 */
import { build } from 'esbuild'

const result = await build({
  entryPoints: { 'peer-plan': 'src/browser/index.ts', dashboard: 'src/browser/dashboard/main.ts' },
  outdir: 'dist/browser',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'chrome110',
  minify: process.env.NO_MINIFY !== '1',
  // Source maps only when asked (scripts/build.mjs): they would be most of the package.
  sourcemap: process.env.SOURCEMAP === '1',
  metafile: true,
  logLevel: 'warning'
})
for (const [out, meta] of Object.entries(result.metafile.outputs)) {
  if (!out.endsWith('.js')) continue
  const yjsCopies = new Set(Object.keys(meta.inputs).map((p) => /node_modules\/\.pnpm\/(yjs@[^/]+)/.exec(p)?.[1] ?? /node_modules\/yjs\//.exec(p)?.[0]).filter(Boolean))
  if (yjsCopies.size !== 1) {
    console.error(`build-browser: ${out} holds ${yjsCopies.size} copies of yjs: ${[...yjsCopies].join(', ')}`)
    process.exit(1)
  }
  console.error(`build-browser: ${out} ${(meta.bytes / 1024).toFixed(1)} KiB (${[...yjsCopies][0]})`)
}
