/** The end-of-run leak check is only as good as its marker: these make sure it is not checking nothing. */
import { basename } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { RUN_ENV } from '../../scripts/lib/run-marker.mjs'
import { peerEnv, startProcess } from '../../scripts/lib/spawn-peer.mjs'
import { findLeaks } from '../setup/leaks.js'
import { tempDir } from '../helpers/temp.js'

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
