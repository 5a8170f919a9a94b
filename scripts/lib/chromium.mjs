/**
 * The one answer to "which Chromium?" for the tests and the bench, in this order:
 *   1. CHROME_PATH, when set (and it must exist: an explicit choice never falls back silently);
 *   2. a system Chromium on PATH (Debian's chromium, chromium-browser, google-chrome...), unless
 *      PEER_PLAN_NO_SYSTEM_CHROME=1 (how the npm one is checked on a machine that has both);
 *   3. the Chromium the dev dependency @sparticuz/chromium ships (brotli archives inside the npm
 *      package, so `pnpm install` is all a fresh machine needs: no root, no apt, no browser download),
 *      unpacked once into node_modules/.cache with the shared libraries it brings.
 * Plain JavaScript so the bench's .mjs files import it without a build; chromium.d.mts types it.
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { delimiter, dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'

export const SYSTEM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome']
const NPM_PACKAGE = '@sparticuz/chromium'

/**
 * What every launch passes, the same for all three sources. Each one, and why:
 * - --disable-gpu: no GPU here; Chromium would otherwise probe drivers in a GPU process.
 * - --disable-dev-shm-usage: containers give /dev/shm 64 MB; Chromium writes shared memory to /tmp instead.
 * - --disable-quic, --disable-background-networking, --disable-component-update, --disable-sync,
 *   --no-first-run: without them Chromium keeps dialling Google's hosts (UDP too); tests stay on loopback.
 * Playwright adds --no-sandbox itself (its default, chromiumSandbox: false): CI runs as root, where
 * Chromium will not start sandboxed, and the npm build has no setuid sandbox helper. That is the OS
 * sandbox around renderers, which only ever load this repo's pages from 127.0.0.1; web security
 * (same-origin, CORS, mixed content, site isolation) stays on, since the tests check the peers'
 * Origin rules through it. @sparticuz/chromium's own `args` are not used: they turn web security off
 * (--disable-web-security, --allow-running-insecure-content, --disable-site-isolation-trials,
 * IsolateOrigins/site-per-process off) and add what only AWS Lambda needs (--single-process, --no-zygote).
 */
export const CHROMIUM_ARGS = ['--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

/** The first of SYSTEM_NAMES found on PATH, or undefined. */
export const findOnPath = (env = process.env, exists = existsSync) => {
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean)
  for (const name of SYSTEM_NAMES) for (const dir of dirs) if (exists(join(dir, name))) return join(dir, name)
  return undefined
}

const noChromium = () =>
  new Error(
    `no Chromium found: set CHROME_PATH, install one (chromium, google-chrome) on PATH, or run \`pnpm install\` so the dev dependency ${NPM_PACKAGE} is there (x64 Linux)`
  )

/**
 * Where the Chromium comes from: { source, path } for CHROME_PATH and the system, { source: 'npm',
 * unpack } for the npm one (unpack() makes it usable and returns { path, env }). Pure but for the
 * `exists` and `npmPackage` look-ups, so the order is unit-tested without touching the machine.
 */
export const chooseChromium = ({ env = process.env, exists = existsSync, npmPackage = resolveNpmPackage } = {}) => {
  if (env.CHROME_PATH) {
    if (!exists(env.CHROME_PATH)) throw new Error(`CHROME_PATH=${env.CHROME_PATH} does not exist`)
    return { source: 'CHROME_PATH', path: env.CHROME_PATH }
  }
  if (env.PEER_PLAN_NO_SYSTEM_CHROME !== '1') {
    const path = findOnPath(env, exists)
    if (path) return { source: 'system', path }
  }
  const pkg = npmPackage()
  if (!pkg) throw noChromium()
  return { source: 'npm', pkg }
}

/** { dir, version, entry } of the installed @sparticuz/chromium, or undefined when it is absent or not for this machine. */
const resolveNpmPackage = () => {
  if (process.platform !== 'linux' || process.arch !== 'x64') return undefined
  let entry
  try {
    // createRequire, not import.meta.resolve: vitest's module runner does not provide the latter.
    entry = createRequire(import.meta.url).resolve(NPM_PACKAGE)
  } catch {
    return undefined
  }
  const dir = join(dirname(entry), '..')
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  return { dir, version, entry }
}

const CACHE = fileURLToPath(new URL('../../node_modules/.cache/peer-plan-chromium/', import.meta.url))

/**
 * Unpacks the package's archives into CACHE/<version> once. The package's own executablePath() is not
 * used: it unpacks into the shared /tmp and trusts whatever a file called /tmp/chromium already is,
 * and test files starting in parallel would all write it at once. Here each caller unpacks into its
 * own staging dir (the package's inflate() writes to os.tmpdir(), so a child process with TMPDIR set
 * does it) and renames it into place; a caller that loses the rename uses the winner's copy.
 */
export const unpackNpmChromium = async (pkg, cache = CACHE) => {
  const dir = join(cache, pkg.version)
  if (!existsSync(join(dir, 'chromium'))) {
    mkdirSync(cache, { recursive: true, mode: 0o700 })
    removeDeadStages(cache)
    const stage = join(cache, `.stage-${process.pid}-${Math.random().toString(36).slice(2)}`)
    mkdirSync(stage, { mode: 0o700 })
    try {
      const script = `const { inflate } = await import(${JSON.stringify(pathToFileURL(pkg.entry).href)});
        await Promise.all(['chromium.br', 'al2023.tar.br', 'fonts.tar.br'].map((f) => inflate(${JSON.stringify(join(pkg.dir, 'bin'))} + '/' + f)))`
      await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, TMPDIR: stage } })
      writeFileSync(join(stage, 'fonts.conf'), fontsConf(dir))
      renameSync(stage, dir)
    } catch (err) {
      if (!existsSync(join(dir, 'chromium'))) throw new Error(`unpacking ${NPM_PACKAGE} ${pkg.version} into ${dir} failed: ${err.message}`)
    } finally {
      rmSync(stage, { recursive: true, force: true })
    }
  }
  return { path: join(dir, 'chromium'), env: npmChromiumEnv(dir) }
}

/** Staging dirs (~210 MB each) of unpackers that died mid-way; a live one's stays. */
const removeDeadStages = (cache) => {
  for (const name of readdirSync(cache)) {
    const pid = Number(/^\.stage-(\d+)-/.exec(name)?.[1])
    if (pid && !isAlive(pid)) rmSync(join(cache, name), { recursive: true, force: true })
  }
}

const isAlive = (pid) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return err.code === 'EPERM'
  }
}

/**
 * The package's own fonts.conf points at /tmp/fonts (Lambda's layout); this one reads its bundled font
 * and the system's, and caches under the unpacked dir, so text renders on a machine with no fonts.
 */
const fontsConf = (dir) => `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <dir>${join(dir, 'fonts', 'fonts')}</dir>
  <cachedir>${join(dir, 'fontconfig-cache')}</cachedir>
</fontconfig>
`

/**
 * Only the launched Chromium gets these: its NSS/NSPR/expat libraries (a bare Debian has none of them;
 * everything else it links is glibc and libgcc) and its fonts.
 */
export const npmChromiumEnv = (dir, env = process.env) => ({
  ...env,
  LD_LIBRARY_PATH: [join(dir, 'al2023', 'lib'), env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
  FONTCONFIG_PATH: dir
})

/**
 * playwright-core launch options for the chosen Chromium, plus `source` and `path` for reports.
 * Callers: test/helpers/browser.ts and bench/lib/browser.mjs.
 */
export const chromiumLaunchOptions = async (opts) => {
  const choice = chooseChromium(opts)
  const { path, env } = choice.source === 'npm' ? await unpackNpmChromium(choice.pkg) : { path: choice.path, env: undefined }
  return { source: choice.source, path, launch: { executablePath: path, headless: true, args: CHROMIUM_ARGS, ...(env ? { env } : {}) } }
}
