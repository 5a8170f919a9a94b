import { describe, expect, it } from 'vitest'
import { connectionCap, MAX_CONNECTIONS, openFilesLimit } from '../../src/node/conn-cap.js'

const limits = (soft: string, hard = soft) => `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            ${soft.padEnd(20)} ${hard.padEnd(20)} files
Max locked memory         8388608              8388608              bytes
`

describe('connectionCap', () => {
  it('reads the soft limit on open files', () => {
    expect(openFilesLimit(limits('20000'))).toBe(20000)
    expect(openFilesLimit(limits('1024', '524288'))).toBe(1024)
    expect(openFilesLimit(limits('unlimited'))).toBe(Infinity)
    expect(openFilesLimit('nothing here')).toBeNull()
  })

  it('is half the descriptors, at most MAX_CONNECTIONS, and never below 64', () => {
    expect(connectionCap(limits('20000'))).toBe(MAX_CONNECTIONS)
    expect(connectionCap(limits('4096'))).toBe(2048)
    expect(connectionCap(limits('unlimited'))).toBe(MAX_CONNECTIONS)
    expect(connectionCap(limits('32'))).toBe(64)
    expect(connectionCap(null)).toBe(MAX_CONNECTIONS)
    // This machine's own.
    expect(connectionCap()).toBeGreaterThanOrEqual(64)
  })
})
