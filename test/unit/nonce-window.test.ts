import { describe, expect, it } from 'vitest'
import { NonceWindow } from '../../src/node/nonce-window.js'

describe('NonceWindow', () => {
  it('takes a timestamp within the window only', () => {
    const w = new NonceWindow(1000)
    expect([w.fresh(5000, 5000), w.fresh(4000, 5000), w.fresh(6000, 5000)]).toEqual([true, true, true])
    expect([w.fresh(3999, 5000), w.fresh(6001, 5000), w.fresh(NaN, 5000), w.fresh(1.5, 5000)]).toEqual([false, false, false, false])
  })

  it('remembers what it took, and stays within its bound: the expired go first, then the oldest', () => {
    const w = new NonceWindow(1000, 3)
    w.take('a', 0)
    w.take('b', 10)
    w.take('c', 2000)
    expect(w.has('a')).toBe(true)
    // Full: a and b have expired by 2001 and go; c stays.
    w.take('d', 2001)
    expect([w.has('a'), w.has('b'), w.has('c'), w.has('d'), w.size]).toEqual([false, false, true, true, 2])
    w.take('e', 2002)
    // Full of fresh nonces: the oldest (c) goes.
    w.take('f', 2003)
    expect([w.has('c'), w.has('d'), w.has('e'), w.has('f'), w.size]).toEqual([false, true, true, true, 3])
  })
})
