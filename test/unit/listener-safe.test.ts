import { afterEach, describe, expect, it, vi } from 'vitest'
import { ListenerSafeObservable } from '../../src/browser/listener-safe.js'

type Events = { status: (s: string) => void }

describe('ListenerSafeObservable', () => {
  afterEach(() => void vi.unstubAllGlobals())

  it('a listener that throws is reported, and the listeners after it still hear the event', () => {
    const reported: unknown[] = []
    vi.stubGlobal('reportError', (err: unknown) => reported.push(err))
    const o = new ListenerSafeObservable<Events>()
    const heard: string[] = []
    o.on('status', () => {
      throw new Error('buggy listener')
    })
    o.on('status', (s) => heard.push(`second ${s}`))
    o.once('status', (s) => heard.push(`once ${s}`))
    o.emit('status', ['connected'])
    o.emit('status', ['offline'])
    expect(heard).toEqual(['second connected', 'once connected', 'second offline'])
    expect(reported.map((e) => (e as Error).message)).toEqual(['buggy listener', 'buggy listener'])
  })

  it('a listener added while an event is told does not hear that event', () => {
    const o = new ListenerSafeObservable<Events>()
    const heard: string[] = []
    o.on('status', () => void o.on('status', (s) => heard.push(s)))
    o.emit('status', ['a'])
    expect(heard).toEqual([])
    o.emit('status', ['b'])
    expect(heard).toEqual(['b'])
  })
})
