import { describe, expect, it } from 'vitest'
import { parseRegistry } from '../../src/node/registry-file.js'

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
