/**
 * A join through the Vite plugin with a token no peer proves the key for (a wrong or stale one) goes on
 * as a join without the token, as every other source does (join.ts `tokenless`): the dev-server source
 * asks no proof once the page's KeyProofs are disowned.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { devServerSource } from '../../src/browser/discovery/dev-server.js'
import { KeyProofs, NOT_PROVEN } from '../../src/browser/discovery/key-proofs.js'

const TOKEN = 'cd'.repeat(32)
const entry = { id: 'peer-one', name: 'one', url: 'http://127.0.0.1:1234', host: '127.0.0.1', port: 1234, pid: 1, pidStart: null, hostId: 'h', version: '0.1.0', protocol: 2, startedAt: 1 }

describe('the dev-server source with a token no peer proves', () => {
  it('fails while the token is the page\'s, and finds the peer once the page goes on without it', async () => {
    const asked: string[] = []
    // The plugin's /api/registry, and its relay to a peer that holds another key (no proof for this token).
    const server = createServer((req, res) => {
      asked.push(req.url ?? '')
      const body = req.url === '/api/registry' ? { self: entry.id, peers: [entry] } : { ...entry, ok: true }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body))
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      const proofs = new KeyProofs(TOKEN)
      const source = devServerSource(origin, '/api', 2000, proofs)
      await expect(source.find(AbortSignal.timeout(5000))).rejects.toThrow(NOT_PROVEN)
      // What joinMesh does when answers came but none proved the key (join.ts `tokenless`).
      proofs.disowned = true
      asked.length = 0
      await expect(source.find(AbortSignal.timeout(5000))).resolves.toMatchObject({ id: entry.id, url: entry.url })
      // As a page without the token: the registry alone, no proof asked.
      expect(asked).toEqual(['/api/registry'])
    } finally {
      await new Promise<void>((r) => server.close(() => r()))
    }
  })
})
