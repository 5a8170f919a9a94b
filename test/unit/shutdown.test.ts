import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import { Shutdown } from '../../src/node/shutdown.js'

const quiet = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} }

/** What install() listens on, as a process has it. */
const fakeProcess = () => Object.assign(new EventEmitter(), { stdout: new EventEmitter(), stderr: new EventEmitter(), exitCode: undefined as number | undefined })

describe('Shutdown', () => {
  it('an uncaught exception sets the exit code at once, so an exit nobody calls is still a failure', () => {
    const proc = fakeProcess()
    const exits: number[] = []
    // A leave that never ends, and a watchdog that never fires here.
    const shutdown = new Shutdown({ stop: () => new Promise(() => {}), log: quiet, watchdogMs: 60_000, exit: (c) => exits.push(c) })
    shutdown.install(proc as unknown as NodeJS.Process)
    proc.emit('uncaughtException', new Error('boom'))
    expect(shutdown.requested).toBe(true)
    expect(proc.exitCode).toBe(1)
    expect(exits).toEqual([])
  })

  it('a signal leaves the exit code alone: 0 unless something failed', async () => {
    const proc = fakeProcess()
    const exits: number[] = []
    const shutdown = new Shutdown({ stop: async () => {}, log: quiet, exit: (c) => exits.push(c) })
    shutdown.install(proc as unknown as NodeJS.Process)
    proc.emit('SIGTERM')
    await shutdown.request('again')
    expect(proc.exitCode).toBeUndefined()
    expect(exits).toEqual([0])
  })
})
