import { describe, expect, it } from 'vitest'
import { peerRow, peerTable, terminalSafe } from '../../src/node/peer-rows.js'
import type { PeerEntry } from '../../src/shared/schema.js'

const entry = (name: string, extra: Partial<PeerEntry> = {}): PeerEntry => ({ id: 'a1b2c3d4e5f60718', name, url: 'http://127.0.0.1:1234', host: '127.0.0.1', port: 1234, pid: 42, pidStart: null, hostId: 'h', version: '1', protocol: 1, startedAt: 0, ...extra })

describe('the peers table', () => {
  it('shows control characters in entries as their escapes: no title set, no screen cleared, no row reordered', () => {
    const hostile = entry('evil\u001b]0;pwned\u0007\u001b[2J\u009b31m\u202edesrever', { agents: [{ session: 's', client: 'c\u001b[31m', ready: true, transport: 'stdio', since: 0, capabilities: [] }] })
    const table = peerTable([peerRow(hostile, null, 0)])
    expect(table).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/)
    expect(table).toContain('evil\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m\\u202edesrever')
    expect(table).toContain('c\\x1b[31m')
  })

  it('leaves ordinary text as it is, and lines up its columns', () => {
    expect(terminalSafe('claude-code@alpha · ü 日本')).toBe('claude-code@alpha · ü 日本')
    const lines = peerTable([peerRow(entry('alpha'), 'a1b2c3d4e5f60718', 5000)]).split('\n')
    expect(lines[0]).toMatch(/^\s+ID\s+NAME\s+AGENT/)
    expect(lines[1]).toMatch(/^\*\s+a1b2c3d4e5f60718\s+alpha\s+-\s+-\s+http:\/\/127\.0\.0\.1:1234\s+42\s+5s\s+-$/)
  })
})
