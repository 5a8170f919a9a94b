/**
 * bench:cold's compile check: how much of a cold join is V8 compiling functions on their first call,
 * and what compiling them up front would cost the page's import of the bundle.
 *
 * One loopback server serves dist/browser/peer-plan.js twice: as built, and with Chrome's file-level
 * compile hint as its first line (`//# allFunctionsCalledOnLoad`, Chrome 136+: every function of the
 * file compiled as it loads). Both come from the same server, cross-origin with CORS, so the two differ
 * in that one line only. A page imports one of them and joins; the import is timed too, since that is
 * where the hint moves the compiling.
 */
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { fileURLToPath } from 'node:url'
import { freshPage } from './browser.mjs'

export const COMPILE_HINT = '//# allFunctionsCalledOnLoad\n'

/** Serves /plain.js and /hinted.js on 127.0.0.1:`port`; resolves with { url(kind), close() }. */
export const startBundleServer = (port) => {
  const plain = readFileSync(fileURLToPath(new URL('../../dist/browser/peer-plan.js', import.meta.url)))
  const bodies = { '/plain.js': plain, '/hinted.js': Buffer.concat([Buffer.from(COMPILE_HINT), plain]) }
  const server = createServer((req, res) => {
    const body = bodies[req.url]
    if (!body) return void res.writeHead(404).end()
    res.writeHead(200, { 'Content-Type': 'text/javascript', 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'no-store' })
    res.end(body)
  })
  return new Promise((resolve, reject) => {
    server.on('error', reject)
    server.listen(port, '127.0.0.1', () => resolve({ url: (kind) => `http://127.0.0.1:${port}/${kind}.js`, close: () => server.close() }))
  })
}

/**
 * In a fresh context of `browser` on `pageUrl`: import `bundleUrl`, then joinMesh() through the
 * registry endpoint of `ports` until its live directory. Resolves with the three times in ms.
 */
export const importAndJoin = async (browser, pageUrl, bundleUrl, ports) => {
  const { ctx, page } = await freshPage(browser, pageUrl)
  try {
    return await page.evaluate(async ({ bundleUrl, ports }) => {
      const t = performance.now()
      const lib = await import(bundleUrl)
      const imported = performance.now() - t
      const m = await lib.joinMesh({ ports, cache: false })
      if (m.peers.length !== 10 || m.via !== 'registry') throw new Error(`joined ${m.peers.length} peers via ${m.via}`)
      await m.live
      m.destroy()
      return { imported, listed: m.timings.peersKnown, live: m.timings.directorySynced }
    }, { bundleUrl, ports })
  } finally {
    await ctx.close()
  }
}
