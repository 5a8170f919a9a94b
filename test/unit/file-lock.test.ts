import { spawn } from 'node:child_process'
import { mkdirSync, readdirSync, utimesSync, writeFileSync, existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { LockTimeoutError, withFileLock } from '../../src/node/file-lock.js'
import { machineId, processInfo, processState } from '../../src/node/process-identity.js'
import { waitFor } from '../helpers/peers.js'
import { tempDir as dir } from '../helpers/temp.js'

/** A lock file held by `pid` under `token`, last touched `ageMs` ago. */
const heldBy = (path: string, pid: number, token: string, ageMs: number) => {
  writeFileSync(path, JSON.stringify({ pid, pidStart: processInfo(pid)?.pidStart ?? null, hostId: machineId(), token }))
  const at = (Date.now() - ageMs) / 1000
  utimesSync(path, at, at)
}

/** A live process stopped by SIGSTOP, killed when the test ends. */
const stoppedProcess = async (): Promise<number> => {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' })
  onTestFinished(() => void child.kill('SIGKILL'))
  await new Promise((r) => child.once('spawn', r))
  child.kill('SIGSTOP')
  await waitFor(() => processState({ pid: child.pid!, pidStart: null }) === 'T', 'the child to stop')
  return child.pid!
}

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

  it('breaks the lock of a stopped holder once it is stale', async () => {
    const path = join(dir(), 'l.lock')
    heldBy(path, await stoppedProcess(), 'hung', 5000)
    expect(await withFileLock(path, async () => 'got it', { staleMs: 1000 })).toBe('got it')
  })

  it("leaves a running holder's lock until busyStaleMs, then breaks it and says so", async () => {
    const path = join(dir(), 'l.lock')
    // This process runs: slow, not hung.
    heldBy(path, process.pid, 'slow', 5000)
    await expect(withFileLock(path, async () => 1, { staleMs: 1000, timeoutMs: 200 })).rejects.toThrow(LockTimeoutError)
    const warned: string[] = []
    expect(await withFileLock(path, async () => 'got it', { staleMs: 1000, busyStaleMs: 3000, warn: (m) => warned.push(m) })).toBe('got it')
    expect(warned).toEqual([expect.stringMatching(new RegExp(`held for \\d+ ms by live pid ${process.pid}; broken as stale$`))])
  })

  it('tells its holder when the lock was broken and taken, and leaves the new holder its lock', async () => {
    const path = join(dir(), 'l.lock')
    const seen = await withFileLock(path, async (held) => {
      const before = held()
      heldBy(path, process.pid, 'another', 0)
      return [before, held()]
    })
    expect(seen).toEqual([true, false])
    expect(JSON.parse(readFileSync(path, 'utf8')).token).toBe('another')
  })

  it("removes what killed breakers left aside when it breaks a lock, and nothing else", async () => {
    const home = dir()
    const path = join(home, 'l.lock')
    const left = ['l.lock.0123456789ab.stale', 'l.lock.abcdef012345.stale']
    const others = ['l.lock.tmp', 'l.lock.not-ours.stale', 'm.lock.0123456789ab.stale', 'l.lock.0123456789ab.stale.x']
    for (const name of [left[0]!, ...others]) writeFileSync(join(home, name), '{}')
    mkdirSync(join(home, left[1]!, 'inside'), { recursive: true })
    // Taking a free lock breaks nothing, so it looks for nothing.
    await withFileLock(path, async () => 1, { leftoverMs: 0 })
    expect(readdirSync(home).sort()).toEqual([...left, ...others].sort())
    // A young leftover may be a live breaker's: kept.
    heldBy(path, await stoppedProcess(), 'hung', 5000)
    await withFileLock(path, async () => 1, { staleMs: 1000 })
    expect(readdirSync(home).sort()).toEqual([...left, ...others].sort())
    heldBy(path, await stoppedProcess(), 'hung', 5000)
    await withFileLock(path, async () => 1, { staleMs: 1000, leftoverMs: 0 })
    expect(readdirSync(home).sort()).toEqual([...others].sort())
  })

  it('waits for a fresh live holder, and times out with a clear error', async () => {
    const path = join(dir(), 'l.lock')
    writeFileSync(path, JSON.stringify({ pid: process.pid, pidStart: null, hostId: machineId(), token: 'busy' }))
    await expect(withFileLock(path, async () => 1, { staleMs: 60000, timeoutMs: 100 })).rejects.toThrow(LockTimeoutError)
  })
})
