/**
 * A join's head start: the first request leaves before the race is built, and the source that would
 * send the same request reads it instead, so the peer is asked once. Real loopback servers, Node's fetch.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it, onTestFinished } from 'vitest'
import { HeadStart } from '../../src/browser/discovery/head-start.js'
import { fetchRegistry, registryUrl } from '../../src/browser/discovery/source.js'

/** A loopback server answering /registry (or never, with `hang`), counting requests and closed ones. */
const server = async (hang = false) => {
  const seen = { requests: 0, closed: 0 }
  const s: Server = createServer((req, res) => {
    seen.requests++
    req.socket.once('close', () => seen.closed++)
    if (!hang) res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ self: 'peer-a', peers: [] }))
  })
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  onTestFinished(() => new Promise<void>((r) => (s.closeAllConnections(), s.close(() => r()))))
  return { base: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, seen }
}

const until = async (cond: () => boolean, what: string) => {
  const deadline = Date.now() + 5000
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

describe('HeadStart', () => {
  it('the source asking the same URL reads the request already sent: the peer is asked once', async () => {
    const peer = await server()
    const early = new HeadStart(registryUrl(peer.base), 2000)
    const found = await fetchRegistry(peer.base, new AbortController().signal, 2000, undefined, early)
    expect(found).toEqual({ url: peer.base, id: 'peer-a', peers: [] })
    expect(peer.seen.requests).toBe(1)
    // Taken once: a second ask sends its own request.
    await fetchRegistry(peer.base, new AbortController().signal, 2000, undefined, early)
    expect(peer.seen.requests).toBe(2)
  })

  it('another URL is not served by it', async () => {
    const a = await server()
    const b = await server()
    const early = new HeadStart(registryUrl(a.base), 2000)
    expect(early.take(registryUrl(b.base), new AbortController().signal)).toBeUndefined()
    await fetchRegistry(b.base, new AbortController().signal, 2000, undefined, early)
    expect(b.seen.requests).toBe(1)
    early.release()
  })

  it('release() cancels a request nobody took', async () => {
    const peer = await server(true)
    const early = new HeadStart(registryUrl(peer.base), 60_000)
    await until(() => peer.seen.requests === 1, 'the request to arrive')
    early.release()
    await until(() => peer.seen.closed === 1, 'the request to be cancelled')
    expect(early.take(registryUrl(peer.base), new AbortController().signal)).toBeUndefined()
  })

  it('the taker\'s signal cancels the taken request', async () => {
    const peer = await server(true)
    const early = new HeadStart(registryUrl(peer.base), 60_000)
    const stop = new AbortController()
    const asking = fetchRegistry(peer.base, stop.signal, 60_000, undefined, early)
    await until(() => peer.seen.requests === 1, 'the request to arrive')
    stop.abort()
    await expect(asking).rejects.toThrow('cancelled')
    await until(() => peer.seen.closed === 1, 'the request to be cancelled')
  })

  it('its own timeout holds: a silent peer is "no answer in N ms"', async () => {
    const peer = await server(true)
    const early = new HeadStart(registryUrl(peer.base), 50)
    await expect(fetchRegistry(peer.base, new AbortController().signal, 50, undefined, early)).rejects.toThrow('no answer in 50 ms')
  })
})
