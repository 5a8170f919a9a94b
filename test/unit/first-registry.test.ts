import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it, onTestFinished } from 'vitest'
import { firstRegistry } from '../../src/browser/discovery/source.js'
import { refusedUrl } from '../helpers/loopback.js'

/** A loopback server answering /registry as a peer would, counting the requests it got. */
const registryServer = async (self: string) => {
  const hits = { count: 0 }
  const server: Server = createServer((_req, res) => {
    hits.count++
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ self, peers: [] }))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  onTestFinished(() => new Promise<void>((r) => server.close(() => r())))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits }
}

const never = new AbortController().signal
// Far beyond the test's own timeout: a test that passes did not wait for it.
const LONG = 60_000

describe('firstRegistry with a stagger', () => {
  it('asks the first URL alone; when it answers, the others are never asked', async () => {
    const a = await registryServer('a')
    const b = await registryServer('b')
    const found = await firstRegistry([a.url, b.url], never, 2000, { head: 1, ms: LONG })
    expect(found.id).toBe('a')
    expect(b.hits.count).toBe(0)
  })

  it('a refused first URL releases the others at once', async () => {
    const b = await registryServer('b')
    const found = await firstRegistry([await refusedUrl(), b.url], never, 2000, { head: 1, ms: LONG })
    expect(found.id).toBe('b')
  })

  it('asks a head of two at once; the rest only once both failed', async () => {
    const b = await registryServer('b')
    const c = await registryServer('c')
    const found = await firstRegistry([await refusedUrl(), b.url, c.url], never, 2000, { head: 2, ms: LONG })
    expect(found.id).toBe('b')
    expect(c.hits.count).toBe(0)
    const d = await registryServer('d')
    const again = await firstRegistry([await refusedUrl(), await refusedUrl(), d.url], never, 2000, { head: 2, ms: LONG })
    expect(again.id).toBe('d')
  })
})
