import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { openLink } from '../../src/node/directory-link.js'
import { Keepalive } from '../../src/node/keepalive.js'
import { createLogger } from '../../src/node/log.js'

/** What ws throws on as it is made: an address no parser takes, and a character no header may hold. */
const UNSENDABLE = ['http://[:::::]:1', 'http://127.0.0.1:1\u202e']

describe('openLink', () => {
  it.each(UNSENDABLE)('gives null for %j and says why, where a link would have thrown', (url) => {
    const lines: string[] = []
    const doc = new Y.Doc()
    const down: string[] = []
    const opts = { selfId: 'aaaaaaaaaaaaaaaa', targetId: 'bbbbbbbbbbbbbbbb', url, doc, key: Buffer.alloc(32, 1), keepalive: new Keepalive(1000), overLimit: () => null, handshakeTimeoutMs: 1000, onUp: () => {}, onDown: (_l: unknown, why: string) => void down.push(why) }
    expect(openLink(opts, createLogger('warn', 'test', (l) => void lines.push(l)))).toBeNull()
    expect(lines.join('')).toMatch(/warn: cannot dial "http:/)
    expect(down).toEqual([])
    doc.destroy()
  })
})
