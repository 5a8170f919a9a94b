import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { DirectoryView } from '../../src/shared/directory.js'
import type { PeerEntry } from '../../src/shared/schema.js'
import { Keepalive } from '../../src/node/keepalive.js'
import { createLogger } from '../../src/node/log.js'
import { MAX_REDIALS, Mesh } from '../../src/node/mesh.js'

const entry = (id: string, port: number): PeerEntry => ({ id, name: id, url: `http://127.0.0.1:${port}`, host: '127.0.0.1', port, pid: 1, pidStart: null, hostId: 'h', version: '0', protocol: 1, startedAt: 0 })

describe('redialling a live peer whose link fell', () => {
  it('backs off with a growing window, then drops the hint and waits for discovery', () => {
    const doc = new Y.Doc()
    const mesh = new Mesh({ self: entry('aaaaaaaaaaaaaaaa', 1), doc, view: new DirectoryView(doc), keepalive: new Keepalive(1000), overLimit: () => null, key: Buffer.alloc(32), scope: 'loopback', log: createLogger('error', 't'), hostId: 'h', discoveries: [] })
    const internals = mesh as unknown as { known: { ensure(id: string): { hint: PeerEntry | null; backoff: { until: number; failures: number } } }; redial(e: PeerEntry): void; dialler: { stop(): void } }
    internals.dialler.stop()
    const other = entry('bbbbbbbbbbbbbbbb', 2)
    const record = internals.known.ensure(other.id)
    record.hint = other
    for (let i = 0; i < MAX_REDIALS; i++) {
      internals.redial(other)
      expect(record.hint).toBe(other)
      // Full jitter over [0, min(5 s, 100 ms * 2^n)]: never past its window.
      expect(record.backoff.until - Date.now()).toBeLessThanOrEqual(Math.min(5000, 100 * 2 ** i))
    }
    expect(record.backoff.failures).toBe(MAX_REDIALS)
    internals.redial(other)
    expect(record.hint).toBeNull()
    expect(record.backoff.failures).toBe(MAX_REDIALS + 1)
  })
})
