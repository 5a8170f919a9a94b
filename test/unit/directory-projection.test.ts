import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { directoryMap } from '../../src/shared/directory.js'
import { ConnectionSlots } from '../../src/node/conn-slots.js'
import { DirectoryProjection } from '../../src/node/directory-projection.js'
import { StepOneAnswers } from '../../src/node/step-one.js'

const entry = (id: string, extra: object = {}) => ({ id, name: id, url: 'http://127.0.0.1:1234', host: '127.0.0.1', port: 1234, pid: 1, pidStart: null, hostId: 'h', version: '1', protocol: 1, startedAt: 0, ...extra })

describe("a stranger's directory", () => {
  it('mirrors the real one without room names, and follows adds, changes and deletes', () => {
    const real = new Y.Doc()
    const map = directoryMap(real)
    map.set('aaaa', entry('aaaa', { rooms: ['secret'], storedRooms: ['kept'] }))
    const shown = directoryMap(new DirectoryProjection(real).doc)
    expect(shown.get('aaaa')).toEqual(entry('aaaa'))
    map.set('bbbb', entry('bbbb', { rooms: ['other'] }))
    map.set('aaaa', entry('aaaa', { name: 'renamed', rooms: ['secret'] }))
    expect(shown.toJSON()).toEqual({ aaaa: entry('aaaa', { name: 'renamed' }), bbbb: entry('bbbb') })
    map.delete('bbbb')
    expect([...shown.keys()]).toEqual(['aaaa'])
    expect(JSON.stringify(shown.toJSON())).not.toMatch(/secret|kept|other/)
  })

  it('values that are not JSON (a BigInt field, a nested Y.Map) are copied without a throw', () => {
    const real = new Y.Doc()
    const map = directoryMap(real)
    const shown = directoryMap(new DirectoryProjection(real).doc)
    // A throw here would reach the update that brought the value: applyUpdate re-throws observers' errors.
    expect(() => map.set('aaaa', entry('aaaa', { futureField: 5n, rooms: ['secret'] }))).not.toThrow()
    const nested = new Y.Map<unknown>()
    expect(() => map.set('odd', nested)).not.toThrow()
    expect(() => nested.set('x', 1)).not.toThrow()
    expect(shown.get('aaaa')).toEqual(entry('aaaa', { futureField: 5n }))
    expect(shown.has('odd')).toBe(true)
  })

  it('writes nothing when only the room names of an entry changed', () => {
    const real = new Y.Doc()
    const map = directoryMap(real)
    map.set('aaaa', entry('aaaa'))
    const projection = new DirectoryProjection(real)
    let updates = 0
    projection.doc.on('update', () => updates++)
    map.set('aaaa', entry('aaaa', { rooms: ['plan'] }))
    map.set('aaaa', entry('aaaa', { rooms: ['plan', 'notes'], storedRooms: ['plan'] }))
    expect(updates).toBe(0)
  })
})

describe('connection slots', () => {
  const limits = { maxConnsPerAddress: 2, maxStrangerConnsPerAddress: 1, maxStrangerConns: 2 }

  it('gives strangers their own budget, per address and in total; peers are never refused', () => {
    const slots = new ConnectionSlots(limits)
    expect(slots.take('stranger', 'x')).toBe(true)
    expect(slots.check('stranger', 'x')).toBe('address full')
    expect(slots.take('stranger', 'y')).toBe(true)
    expect(slots.check('stranger', 'z')).toBe('strangers full')
    expect([slots.check('person', 'x'), slots.check('peer', 'x')]).toEqual(['ok', 'ok'])
    expect([slots.take('person', 'x'), slots.take('person', 'x'), slots.take('person', 'x')]).toEqual([true, true, false])
    for (let i = 0; i < 10; i++) expect(slots.take('peer', 'x')).toBe(true)
    slots.release('stranger', 'x')
    expect(slots.check('stranger', 'z')).toBe('ok')
  })
})

describe('step 1 answers', () => {
  it('encode once per doc state and request', () => {
    const doc = new Y.Doc()
    const answers = new StepOneAnswers(doc)
    let computed = 0
    const compute = () => (computed++, new Uint8Array([computed]))
    const frame = new Uint8Array([0, 0, 1, 0])
    answers.answer(frame, compute)
    expect(answers.answer(frame, compute)).toEqual(new Uint8Array([1]))
    doc.getText('t').insert(0, 'x')
    expect(answers.answer(frame, compute)).toEqual(new Uint8Array([2]))
    answers.answer(new Uint8Array([0, 0, 2, 1, 0]), compute)
    expect(computed).toBe(3)
  })

  it("a reader's push: encoded once per doc state, again after a change, and the frame and its state vector of one moment", () => {
    const doc = new Y.Doc()
    const answers = new StepOneAnswers(doc)
    let computed = 0
    const compute = () => (computed++, { stateVector: Y.encodeStateVector(doc), frame: Y.encodeStateAsUpdate(doc) })
    directoryMap(doc).set('aaaa', entry('aaaa'))
    const first = answers.push(compute)
    expect(answers.push(compute)).toBe(first)
    directoryMap(doc).set('bbbb', entry('bbbb'))
    const second = answers.push(compute)
    expect(computed).toBe(2)
    expect(second.stateVector).toEqual(Y.encodeStateVector(doc))
    const reader = new Y.Doc()
    Y.applyUpdate(reader, second.frame)
    expect([...directoryMap(reader).keys()].sort()).toEqual(['aaaa', 'bbbb'])
    // A reader of the older push is sent, against its state vector, only what came since: the later entry.
    const older = new Y.Doc()
    Y.applyUpdate(older, first.frame)
    expect([...directoryMap(older).keys()]).toEqual(['aaaa'])
    const since = Y.encodeStateAsUpdate(doc, first.stateVector)
    expect(since.length).toBeLessThan(second.frame.length)
    Y.applyUpdate(older, since)
    expect([...directoryMap(older).keys()].sort()).toEqual(['aaaa', 'bbbb'])
  })
})
