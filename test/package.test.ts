/**
 * The package as a user gets it: `npm pack` (of the dist `pnpm test` has just built), installed from the
 * tarball into a scratch project with the user's own yjs, then `npx peer-plan-node`, `peer-plan/browser`,
 * `peer-plan/node` and `peer-plan/vite` (a Vite dev server with the plugin, answering /api/registry from
 * the live mesh, and a page of the app's, bundled by that dev server from the installed peer-plan/browser and
 * the app's own yjs, joining the mesh in Chromium) used from there, and the types checked by tsc with no @types/node and skipLibCheck off. Installs with pnpm --prefer-offline: every
 * package is in the store `pnpm install` filled, so this needs no network.
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { startPeer, startProcess } from '../scripts/lib/spawn-peer.mjs'
import { launchBrowser } from './helpers/browser.js'
import { PORTS } from './helpers/ports.js'
import { getJson, waitFor } from './helpers/peers.js'
import { testScope } from './helpers/scope.js'
import { tempDir } from './helpers/temp.js'

const ROOT = resolve(import.meta.dirname, '..')
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
const run = promisify(execFile)
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc')

/** The pnpm running this suite (`pnpm test`, or `npx -y pnpm@10 test` with none on PATH), else pnpm on PATH. */
const pnpm = (): [string, string[]] => {
  const execPath = process.env.npm_execpath
  return execPath && /pnpm/.test(execPath) ? [process.execPath, [execPath]] : ['pnpm', []]
}

const pack = async (dest: string): Promise<{ tarball: string; files: string[] }> => {
  if (!existsSync(join(ROOT, 'dist/cli/peer-plan-node.js'))) throw new Error('no dist/: run `pnpm build` (pnpm test does) first')
  // --ignore-scripts: prepack would rebuild dist/ under the other test files running now.
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dest], { cwd: ROOT })
  const [info] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[]
  return { tarball: join(dest, info!.filename), files: info!.files.map((f) => f.path) }
}

const CONSUMER_TS = `import { startPeer, resolveConfig, type Peer, type PeerEntry } from 'peer-plan/node'
import { joinMesh, type Mesh } from 'peer-plan/browser'
export const start = async (): Promise<Peer | undefined> => {
  const req = resolveConfig(['--ports', '1234-1244'], {}, '/home/u')
  return req.kind === 'run' ? startPeer(req.config) : undefined
}
export const urls = (peer: Peer): string[] => peer.peers().map((e: PeerEntry) => e.url)
export const join = (): Promise<Mesh> => joinMesh({ ports: [1234, 1244] })
`

// Type-checks the consumer as a project with no Node types at all: not installed, and none asked for.
const TSCONFIG = { compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: [], lib: ['ES2022', 'DOM'] }, files: ['consumer.ts'] }

// Run in the scratch project: what each entry point gives, and whether yjs complained of a second copy.
const PROBE = `const errors = []
const error = console.error
console.error = (...a) => (errors.push(a.join(' ')), error(...a))
await import('yjs')
const browser = await import('peer-plan/browser')
const node = await import('peer-plan/node')
console.log(JSON.stringify({ browser: typeof browser.joinMesh, node: typeof node.startPeer, version: node.VERSION, errors }))
`

// Run in the scratch project once a peer is up: Vite's dev server with the installed plugin, until its
// /api/registry lists that peer (the plugin follows the live directory, so this waits on a condition).
// It then serves PAGE_HTML for a browser until its stdin closes.
const VITE_PROBE = `import { createServer } from 'vite'
import { peerPlan } from 'peer-plan/vite'
const [home, lo, hi, port, want] = process.argv.slice(2)
const server = await createServer({ configFile: false, logLevel: 'silent', root: process.cwd(),
  plugins: [peerPlan({ home, ports: [Number(lo), Number(hi)] })], server: { host: '127.0.0.1', port: Number(port), strictPort: true } })
await server.listen()
const deadline = Date.now() + 20000
let body = null
try {
  while (Date.now() < deadline) {
    const res = await fetch('http://127.0.0.1:' + port + '/api/registry')
    body = res.ok ? await res.json() : { status: res.status }
    if (body.peers?.some((p) => p.url === want)) break
    await new Promise((r) => setTimeout(r, 50))
  }
  console.log(JSON.stringify(body))
  await new Promise((r) => process.stdin.on('close', r).resume())
} finally {
  await server.close()
}
`

// The app's page: its own yjs beside peer-plan/browser, bundled by Vite from the installed package.
const PAGE_HTML = `<!doctype html><title>scratch</title><script type="module" src="/main.js"></script>`
const PAGE_JS = `import * as Y from 'yjs'
import { joinMesh } from 'peer-plan/browser'
const mesh = await joinMesh({ devServer: true })
await mesh.live
window.result = { peers: mesh.peers.map((p) => p.url), yjs: typeof Y.Doc }
`

const scratchProject = async (dir: string, tarball: string): Promise<void> => {
  const version = (name: string): string => JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version
  // The app pins its own yjs, as the user did; peer-plan must use that one. vite is the app's too.
  const dependencies = { 'peer-plan': `file:${tarball}`, yjs: version('yjs'), vite: version('vite') }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module', dependencies }))
  writeFileSync(join(dir, 'consumer.ts'), CONSUMER_TS)
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG))
  writeFileSync(join(dir, 'probe.mjs'), PROBE)
  writeFileSync(join(dir, 'vite-probe.mjs'), VITE_PROBE)
  writeFileSync(join(dir, 'index.html'), PAGE_HTML)
  writeFileSync(join(dir, 'main.js'), PAGE_JS)
  const [cmd, pre] = pnpm()
  await run(cmd, [...pre, 'install', '--prefer-offline', '--ignore-workspace'], { cwd: dir })
}

describe('the published package (npm pack -> a scratch project)', () => {
  it('ships a LICENSE, no source maps, no prepare; yjs is a peer', async () => {
    const { tarball, files } = await pack(tempDir())
    process.stderr.write(`[measure] npm pack tarball: ${statSync(tarball).size} bytes, ${files.length} files\n`)
    expect(files).toContain('LICENSE')
    expect(files).toContain('dist/browser/peer-plan.js')
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([])
    expect(pkg.scripts.prepare).toBeUndefined()
    expect(pkg.peerDependencies.yjs).toBeDefined()
    expect(pkg.dependencies.yjs).toBeUndefined()
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/MIT License[\s\S]*peer-plan contributors/)
  })

  it('installs, runs `npx peer-plan-node`, imports every export with one yjs, and type-checks without @types/node', { timeout: 180_000 }, async () => {
    const dir = tempDir()
    const { tarball } = await pack(dir)
    const app = join(dir, 'app')
    mkdirSync(app)
    await scratchProject(app, tarball)
    expect(existsSync(join(app, 'node_modules/@types/node'))).toBe(false)

    const probe = JSON.parse((await run(process.execPath, ['probe.mjs'], { cwd: app })).stdout)
    expect(probe).toMatchObject({ browser: 'function', node: 'function', version: pkg.version, errors: [] })

    const tsc = await run(process.execPath, [TSC, '-p', app]).then(() => '', (e: { stdout: string }) => e.stdout)
    expect(tsc).toBe('')

    const home = join(dir, 'home')
    // The peer takes the range but its last port, which the Vite dev server takes.
    const [lo, hi] = PORTS.pack
    // A group: npx passes no signal on to the peer below it (spawn-peer.mjs says why), so the whole
    // group gets SIGTERM, and the teardown waits until every process of it is gone.
    const peer = startPeer({ home, args: ['--ports', `${lo}-${hi - 1}`], command: ['npx', 'peer-plan-node'], cwd: app, group: true })
    testScope().defer(() => peer.stop('SIGTERM', 5000))
    const ready = await peer.ready
    expect(ready.port).toBeGreaterThanOrEqual(PORTS.pack[0])
    expect((await getJson<{ ok: boolean; version: string }>(`${ready.url}/health`)).ok).toBe(true)

    const vite = startProcess(process.execPath, ['vite-probe.mjs', home, String(lo), String(hi - 1), String(hi), ready.url], { cwd: app, stdin: 'pipe' })
    testScope().defer(() => (vite.proc.stdin?.end(), vite.stop('SIGTERM', 5000)))
    await waitFor(() => vite.stdout().includes('\n') || vite.proc.exitCode !== null, 'the Vite probe to answer', 30000)
    const registry = JSON.parse(vite.stdout()) as { peers?: { url: string }[] }
    expect(registry.peers?.map((p) => p.url)).toContain(ready.url)

    // peer-plan/browser from the tarball, in a real browser, bundled with the app's own yjs.
    const browser = await launchBrowser()
    const page = await (await browser.newContext()).newPage()
    const errors: string[] = []
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto(`http://127.0.0.1:${hi}/`)
    await page.waitForFunction(() => (window as any).result, undefined, { timeout: 60000 })
    const result = await page.evaluate(() => (window as any).result)
    expect(result).toEqual({ peers: [ready.url], yjs: 'function' })
    expect(errors.filter((e) => /Yjs was already imported/.test(e))).toEqual([])
  })
})
