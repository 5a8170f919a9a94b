import { describe, expect, it } from 'vitest'
import { shown } from '../../src/node/shown.js'

const nested = (depth: number): unknown => JSON.parse('['.repeat(depth) + ']'.repeat(depth))

describe('shown', () => {
  it('is the JSON of a short value, whole', () => {
    expect(shown('blue')).toBe('"blue"')
    expect(shown({ ports: [1, 2], on: true, x: null })).toBe('{"ports":[1,2],"on":true,"x":null}')
    expect(shown(undefined)).toBe('undefined')
    expect(shown('x'.repeat(78))).toBe(JSON.stringify('x'.repeat(78)))
  })

  it('cuts anything longer at the prefix, marked with an ellipsis', () => {
    expect(shown('x'.repeat(79))).toBe(`"${'x'.repeat(79)}…`)
    expect(shown('x'.repeat(1 << 20))).toBe(`"${'x'.repeat(79)}…`)
    expect(shown(Array.from({ length: 100000 }, (_, i) => i))).toMatch(/^\[0,1,2,.{60,}…$/)
    expect(shown({ a: 'x'.repeat(1000) }, 10)).toBe('{"a":"xxxx…')
  })

  it('walks no deeper than its prefix: 100000 nested arrays, which overflow JSON.stringify', () => {
    const deep = nested(100000)
    expect(() => JSON.stringify(deep)).toThrow(RangeError)
    expect(shown(deep)).toBe(`${'['.repeat(80)}…`)
    expect(shown({ port: deep })).toBe(`{"port":${'['.repeat(72)}…`)
  })
})
