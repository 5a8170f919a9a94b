import { utimesSync, writeFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { LockTimeoutError, withFileLock } from '../../src/node/file-lock.js'
import { machineId } from '../../src/node/process-identity.js'
import { tempDir as dir } from '../helpers/temp.js'

describe('withFileLock', () => {
  it('serialises concurrent read-modify-write cycles: no lost update', async () => {
    const path = join(dir(), 'l.lock')
    let counter = 0
    await Promise.all(
      Array.from({ length: 30 }, () =>
        withFileLock(path, async () => {
          const seen = counter
          // Not a wait for anything: it holds the lock across a turn of the event loop, where an
          // unserialised writer would interleave and lose an update.
          await new Promise((r) => setTimeout(r, 1))
          counter = seen + 1
        })
      )
    )
    expect(counter).toBe(30)
    expect(existsSync(path)).toBe(false)
  })

  it('breaks the lock of a live but hung holder once it is stale', async () => {
    const path = join(dir(), 'l.lock')
    // Held by this (live) process under another token, last touched 5 s ago.
    writeFileSync(path, JSON.stringify({ pid: process.pid, pidStart: null, hostId: machineId(), token: 'hung' }))
    const old = (Date.now() - 5000) / 1000
    utimesSync(path, old, old)
    expect(await withFileLock(path, async () => 'got it', { staleMs: 1000 })).toBe('got it')
  })

  it('waits for a fresh live holder, and times out with a clear error', async () => {
    const path = join(dir(), 'l.lock')
    writeFileSync(path, JSON.stringify({ pid: process.pid, pidStart: null, hostId: machineId(), token: 'busy' }))
    await expect(withFileLock(path, async () => 1, { staleMs: 60000, timeoutMs: 100 })).rejects.toThrow(LockTimeoutError)
  })
})
