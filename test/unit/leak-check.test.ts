/** The end-of-run leak check is only as good as its marker: these make sure it is not checking nothing. */
import { randomBytes } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { basename, join, relative, resolve } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { RUN_ENV } from '../../scripts/lib/run-marker.mjs'
import { peerEnv, startProcess } from '../../scripts/lib/spawn-peer.mjs'
import { makeTempDir, removeDir } from '../../scripts/lib/temp-dir.mjs'
import { checkRun, findLeaks } from '../setup/leaks.js'
import { TEMP_PREFIX, tempDir } from '../helpers/temp.js'

const run = process.env[RUN_ENV]!

describe('the run marker', () => {
  it('is set in every worker and names every test temp dir', () => {
    expect(run).toMatch(/^[0-9a-f]{8}$/)
    const dir = tempDir()
    expect(basename(dir).startsWith(`peer-plan-test-${run}-`)).toBe(true)
    expect(findLeaks(run).dirs).toContain(dir)
  })

  it('reaches a peer, while the developer\'s own PEER_PLAN_* settings do not', () => {
    process.env.PEER_PLAN_PORTS = '1000-1001'
    onTestFinished(() => void delete process.env.PEER_PLAN_PORTS)
    const env = peerEnv('/nowhere/home', { PEER_PLAN_NAME: 'chosen' })
    expect(env[RUN_ENV]).toBe(run)
    expect(env.PEER_PLAN_PORTS).toBeUndefined()
    expect(env).toMatchObject({ PEER_PLAN_HOME: '/nowhere/home', HOME: '/nowhere', PEER_PLAN_NAME: 'chosen' })
  })

  it('lets the leak check see a live child of this run, and not once it is gone', async () => {
    const child = startProcess(process.execPath, ['-e', 'setInterval(() => {}, 1000)'])
    onTestFinished(() => void child.stop())
    expect(findLeaks(run).processes.map((p) => p.pid)).toContain(child.pid)
    await child.stop()
    expect(findLeaks(run).processes.map((p) => p.pid)).not.toContain(child.pid)
  })
})

describe('the end-of-run verdict', () => {
  // A made-up run, so the check's cleanup cannot touch what this run's other tests hold.
  const otherRun = () => randomBytes(4).toString('hex')
  const leave = (run: string) => {
    const dir = makeTempDir(TEMP_PREFIX, run)
    onTestFinished(() => removeDir(dir))
    return dir
  }

  it('fails a run that left a temp dir, names it, and removes it', async () => {
    const run = otherRun()
    const dir = leave(run)
    const said: string[] = []
    expect(await checkRun(run, (t) => void said.push(t), 0)).toBe(false)
    expect(said.join('')).toContain(`dir ${dir}`)
    expect(existsSync(dir)).toBe(false)
  })

  it('passes a clean run, and counts only its own run\'s dirs', async () => {
    const run = otherRun()
    const others = [leave(otherRun()), leave('')]
    expect(findLeaks(run).dirs).toEqual([])
    expect(await checkRun(run, () => {}, 0)).toBe(true)
    for (const dir of others) expect(existsSync(dir)).toBe(true)
  })

  it('is not dodged: tests and the bench make temp dirs only through the tagged helpers', () => {
    const root = resolve(import.meta.dirname, '../..')
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? (e.name === 'results' ? [] : files(join(dir, e.name))) : /\.(ts|mjs)$/.test(e.name) ? [join(dir, e.name)] : []
      )
    const untagged = [...files(join(root, 'test')), ...files(join(root, 'bench'))]
      .filter((f) => /\bmkdtemp(Sync)?\(/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(root, f))
    expect(untagged).toEqual([])
  })
})
