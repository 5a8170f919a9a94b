import { readFileSync, writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../../src/node/log.js'
import { machineId } from '../../src/node/process-identity.js'
import { parseRegistry, RegistryFile } from '../../src/node/registry-file.js'
import { tempDir } from '../helpers/temp.js'

const entry = (id: string) => ({ id, name: 'n', url: 'http://127.0.0.1:1234', host: '127.0.0.1', port: 1234, pid: 1, pidStart: null, hostId: 'h', version: '1', protocol: 1, startedAt: 0 })

describe('parseRegistry', () => {
  it('treats absence as empty and fine', () => expect(parseRegistry(null)).toEqual({ peers: [], problem: null }))
  it.each([['', /empty/], ['{', /invalid JSON/], ['[]', /not of the form/], ['{"peers": 3}', /not of the form/]])('reports %j', (text, problem) => {
    const r = parseRegistry(text)
    expect(r.peers).toEqual([])
    expect(r.problem).toMatch(problem)
  })
  it('keeps valid entries and drops bad and duplicate ones', () => {
    const r = parseRegistry(JSON.stringify({ peers: [entry('aaaa'), { id: 'bad' }, entry('aaaa'), entry('bbbb')] }))
    expect(r.peers.map((p) => p.id)).toEqual(['aaaa', 'bbbb'])
    expect(r.problem).toMatch(/2 invalid or duplicate entries/)
  })
})

describe('RegistryFile.update', () => {
  it('does not write when its lock was broken meanwhile: it reads again under a new lock and writes then', async () => {
    const home = tempDir()
    const lines: string[] = []
    const registry = new RegistryFile(home, createLogger('warn', 'test', (l) => lines.push(l)))
    await registry.init()
    await registry.upsert(entry('aaaa'))
    let calls = 0
    const out = await registry.update((peers) => {
      calls++
      if (calls === 1) {
        // As a waiter that judged this lock stale would: it takes the lock (then dies, so the retry
        // breaks it at once) and adds an entry this cycle has not read.
        writeFileSync(registry.lockPath, JSON.stringify({ pid: 2 ** 22 + 1, pidStart: null, hostId: machineId(), token: 'breaker' }))
        writeFileSync(registry.path, JSON.stringify({ peers: [...peers, entry('bbbb')] }))
      }
      return [...peers, entry('cccc')]
    })
    expect(calls).toBe(2)
    expect(out.map((p) => p.id)).toEqual(['aaaa', 'bbbb', 'cccc'])
    expect(JSON.parse(readFileSync(registry.path, 'utf8')).peers.map((p: { id: string }) => p.id)).toEqual(['aaaa', 'bbbb', 'cccc'])
    expect(lines.join('\n')).toMatch(/not written \(the writer's lock was broken\); trying again/)
  })
})
