import { describe, expect, it } from 'vitest'
import { DeferredDiscovery } from '../../src/node/discovery/deferred.js'
import type { HintSink, NodeDiscovery } from '../../src/node/discovery/hint.js'
import { createLogger } from '../../src/node/log.js'

const sink: HintSink = { found: () => {}, lost: () => {} }

/** A discovery that records what was done to it, and a logger that keeps warnings. */
const settle = () => new Promise((r) => setImmediate(r))

/** `hold`: the load or the inner start waits until `release()`. */
const fixture = (opts: { loadFails?: boolean; hold?: 'load' | 'start' } = {}) => {
  let release!: () => void
  const held = new Promise<void>((r) => (release = r))
  const calls: string[] = []
  const warnings: string[] = []
  let open!: () => void
  let refuse!: (why: unknown) => void
  const gate = new Promise<void>((r, j) => ((open = r), (refuse = j)))
  const inner: NodeDiscovery = {
    name: 'fake',
    start: async () => {
      calls.push('start')
      if (opts.hold === 'start') await held
      calls.push('bound')
    },
    stop: async () => void calls.push('stop')
  }
  const load = async () => {
    calls.push('load')
    if (opts.hold === 'load') await held
    if (opts.loadFails) throw new Error('no such module')
    return inner
  }
  const log = createLogger('warn', 'test', (line) => void warnings.push(line))
  const d = new DeferredDiscovery({ name: 'fake', load, gate, log })
  /** Started, with the gate open and the load under way. */
  const opened = async () => {
    await d.start(sink)
    open()
    await settle()
  }
  return { d, calls, warnings, open, refuse, release, opened }
}

describe('DeferredDiscovery', () => {
  it('resolves start at once and loads nothing until the gate opens', async () => {
    const { d, calls, open } = fixture()
    await d.start(sink)
    await settle()
    expect(calls).toEqual([])
    open()
    await settle()
    expect(calls).toEqual(['load', 'start', 'bound'])
    await d.stop()
    expect(calls).toEqual(['load', 'start', 'bound', 'stop'])
  })

  it('stopped before the gate opens: stop does not wait for it, and nothing ever loads', async () => {
    const { d, calls, open } = fixture()
    await d.start(sink)
    await d.stop()
    open()
    await settle()
    expect(calls).toEqual([])
  })

  it('stopped while loading: the loaded discovery is never started', async () => {
    const { d, calls, release, opened } = fixture({ hold: 'load' })
    await opened()
    await d.stop()
    release()
    await settle()
    expect(calls).toEqual(['load'])
  })

  it('stopped while starting: the stop waits for the start, then stops what it bound', async () => {
    const { d, calls, release, opened } = fixture({ hold: 'start' })
    await opened()
    const stopped = d.stop()
    await settle()
    expect(calls).toEqual(['load', 'start'])
    release()
    await stopped
    expect(calls).toEqual(['load', 'start', 'bound', 'stop'])
  })

  it('a gate that fails is one warning that says why, and nothing loads', async () => {
    const { d, calls, warnings, refuse } = fixture()
    await d.start(sink)
    refuse('the peer did not start')
    await settle()
    expect(calls).toEqual([])
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain('fake discovery did not start: the peer did not start')
    await d.stop()
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
