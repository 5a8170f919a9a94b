/**
 * A join's head start: the first request leaves before anything else is built, and the source that would
 * ask the same peer takes its answer instead, so the peer is asked once. Real loopback servers, Node's fetch.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it, onTestFinished } from 'vitest'
import { waitFor } from '../../scripts/lib/wait-for.mjs'
import { HeadStart } from '../../src/browser/discovery/head-start.js'
import { direct, fetchRegistry } from '../../src/browser/discovery/source.js'

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


describe('HeadStart', () => {
  it('the source asking the same peer takes its answer: the peer is asked once', async () => {
    const peer = await server()
    const early = new HeadStart(peer.base, 'registry', 2000)
    expect(await early.answer).toEqual({ url: peer.base, id: 'peer-a', peers: [] })
    const found = await fetchRegistry(peer.base, new AbortController().signal, 2000, direct, early)
    expect(found).toEqual({ url: peer.base, id: 'peer-a', peers: [] })
    expect(peer.seen.requests).toBe(1)
    // Taken once: a second ask sends its own request.
    await fetchRegistry(peer.base, new AbortController().signal, 2000, direct, early)
    expect(peer.seen.requests).toBe(2)
  })

  it('another peer is not served by it', async () => {
    const a = await server()
    const b = await server()
    const early = new HeadStart(a.base, 'registry', 2000)
    expect(early.take(b.base, new AbortController().signal)).toBeUndefined()
    await fetchRegistry(b.base, new AbortController().signal, 2000, direct, early)
    expect(b.seen.requests).toBe(1)
    early.release()
  })

  it('release() cancels a request nobody took', async () => {
    const peer = await server(true)
    const early = new HeadStart(peer.base, 'cache', 60_000)
    await waitFor(() => peer.seen.requests === 1, 'the request to arrive')
    early.release()
    await waitFor(() => peer.seen.closed === 1, 'the request to be cancelled')
    await expect(early.answer).rejects.toThrow('cancelled')
    expect(early.take(peer.base, new AbortController().signal)).toBeUndefined()
  })

  it("the taker's signal cancels the taken request", async () => {
    const peer = await server(true)
    const early = new HeadStart(peer.base, 'registry', 60_000)
    const stop = new AbortController()
    const asking = fetchRegistry(peer.base, stop.signal, 60_000, direct, early)
    await waitFor(() => peer.seen.requests === 1, 'the request to arrive')
    stop.abort()
    await expect(asking).rejects.toThrow('cancelled')
    await waitFor(() => peer.seen.closed === 1, 'the request to be cancelled')
  })

  it('its own timeout holds: a silent peer is "no answer in N ms"', async () => {
    const peer = await server(true)
    const early = new HeadStart(peer.base, 'registry', 50)
    await expect(early.answer).rejects.toThrow('no answer in 50 ms')
  })

  it('an answer that is not a registry is refused as any source refuses it', async () => {
    const s: Server = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"self":1}'))
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
    onTestFinished(() => new Promise<void>((r) => s.close(() => r())))
    const base = `http://127.0.0.1:${(s.address() as AddressInfo).port}`
    await expect(new HeadStart(base, 'registry', 2000).answer).rejects.toThrow('not a peer-plan registry')
  })
})
