/**
 * The oldest Node `engines` allows, as a binary, so the suite runs peers on the floor it claims. It
 * comes from the npm registry's node-<platform>-<arch> package (the nodejs.org build, repackaged for
 * `npm i node@X`), fetched once into node_modules/.cache: ~42 MB, a few seconds here, and the same
 * registry `pnpm install` already needs.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { tempDir } from './temp.js'

const ROOT = resolve(import.meta.dirname, '../..')

/** `engines.node` (">=X.Y" or ">=X.Y.Z") as the version it starts at. */
export const oldestNodeVersion = (): string => {
  const range = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node
  const m = /^>=\s*(\d+)\.(\d+)(?:\.(\d+))?$/.exec(range)
  if (!m) throw new Error(`engines.node is ${range}: expected ">=X.Y" or ">=X.Y.Z"`)
  return `${m[1]}.${m[2]}.${m[3] ?? 0}`
}

/** The path of that Node's binary, fetched on first use. */
export const oldestNode = (): string => {
  const version = oldestNodeVersion()
  const pkg = `node-${process.platform}-${process.arch}`
  const dir = join(ROOT, 'node_modules', '.cache', 'peer-plan-test', `${pkg}-${version}`)
  const bin = join(dir, 'package', 'bin', process.platform === 'win32' ? 'node.exe' : 'node')
  if (existsSync(bin)) return bin
  const scratch = tempDir()
  execFileSync('npm', ['pack', `${pkg}@${version}`, '--pack-destination', scratch, '--silent'], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 })
  const unpacked = join(scratch, 'unpacked')
  mkdirSync(unpacked)
  execFileSync('tar', ['xzf', join(scratch, `${pkg}-${version}.tgz`), '-C', unpacked])
  mkdirSync(dirname(dir), { recursive: true })
  try {
    // Whole or not at all: a run cut off mid-fetch leaves nothing half-unpacked where the next looks.
    renameSync(unpacked, dir)
  } catch (err) {
    if (!existsSync(bin)) throw err // else another run got there first
  }
  return bin
}
