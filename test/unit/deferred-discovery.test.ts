import { describe, expect, it } from 'vitest'
import { DeferredDiscovery } from '../../src/node/discovery/deferred.js'
import type { HintSink, NodeDiscovery } from '../../src/node/discovery/hint.js'
import { createLogger } from '../../src/node/log.js'

const sink: HintSink = { found: () => {}, lost: () => {} }

/** A discovery that records what was done to it, and a logger that keeps warnings. */
const fixture = (opts: { loadFails?: boolean } = {}) => {
  const calls: string[] = []
  const warnings: string[] = []
  let open!: () => void
  const gate = new Promise<void>((r) => (open = r))
  const inner: NodeDiscovery = {
    name: 'fake',
    start: async () => void calls.push('start'),
    stop: async () => void calls.push('stop')
  }
  const load = async () => {
    calls.push('load')
    if (opts.loadFails) throw new Error('no such module')
    return inner
  }
  const log = createLogger('warn', 'test', (line) => void warnings.push(line))
  const d = new DeferredDiscovery({ name: 'fake', load, gate, log })
  return { d, calls, warnings, open }
}

const settle = () => new Promise((r) => setImmediate(r))

describe('DeferredDiscovery', () => {
  it('resolves start at once and loads nothing until the gate opens', async () => {
    const { d, calls, open } = fixture()
    await d.start(sink)
    await settle()
    expect(calls).toEqual([])
    open()
    await settle()
    expect(calls).toEqual(['load', 'start'])
    await d.stop()
    expect(calls).toEqual(['load', 'start', 'stop'])
  })

  it('stopped before the gate opens: stop does not wait for it, and nothing ever loads', async () => {
    const { d, calls, open } = fixture()
    await d.start(sink)
    await d.stop()
    open()
    await settle()
    expect(calls).toEqual([])
  })

  it('a failed load is one warning, and stop still resolves', async () => {
    const { d, calls, warnings, open } = fixture({ loadFails: true })
    await d.start(sink)
    open()
    await settle()
    expect(calls).toEqual(['load'])
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain('fake discovery did not start: no such module')
    await d.stop()
  })
})
