import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { mirrorMap } from '../../src/browser/mirror.js'

const entry = (id: string, extra: Record<string, unknown> = {}) => ({ id, name: id, url: 'http://127.0.0.1:1', host: '127.0.0.1', port: 1, pid: 1, pidStart: null, hostId: 'h', version: '0', protocol: 1, startedAt: 0, ...extra })

const maps = () => {
  const from = new Y.Doc().getMap<unknown>('peers')
  const to = new Y.Doc().getMap<unknown>('peers')
  return { from, to }
}

describe('mirrorMap', () => {
  it('copies what differs, deletes what the source lacks, and leaves equal entries untouched', () => {
    const { from, to } = maps()
    from.set('a', entry('a'))
    from.set('b', entry('b', { name: 'new' }))
    to.set('a', { ...entry('a') })
    to.set('b', entry('b'))
    to.set('gone', entry('gone'))
    const changed: string[] = []
    to.observe((e) => changed.push(...e.keysChanged))
    mirrorMap(from, to)
    expect(changed.sort()).toEqual(['b', 'gone'])
    expect(to.toJSON()).toEqual(from.toJSON())
  })

  it('values that are not JSON (a BigInt, a nested Y.Map) neither throw nor stop the copy', () => {
    const { from, to } = maps()
    from.set('big', entry('big', { futureField: 5n }))
    const nested = new Y.Map<unknown>()
    from.set('odd', nested)
    nested.set('x', 1)
    from.set('c', entry('c'))
    to.set('big', entry('big', { futureField: 4n }))
    expect(() => mirrorMap(from, to)).not.toThrow()
    expect((to.get('big') as { futureField: bigint }).futureField).toBe(5n)
    expect(to.get('odd')).toEqual({ x: 1 })
    expect(to.get('c')).toEqual(entry('c'))
    // Equal now, so a second mirror touches nothing.
    let events = 0
    to.observe(() => events++)
    mirrorMap(from, to)
    expect(events).toBe(0)
  })
})
