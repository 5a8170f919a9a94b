/**
 * A join's head start: the first request leaves before anything else is built, as the directory socket
 * of the peer asked with `?registry` (its first frame the list); the source that would ask the same peer
 * takes its answer instead, so the peer is asked once, and the live directory adopts the socket. Real
 * loopback servers; ws's WebSocket as the page's.
 */
import { describe, expect, it } from 'vitest'
import { waitFor } from '../../scripts/lib/wait-for.mjs'
import { HeadStart, HeadStarts } from '../../src/browser/discovery/head-start.js'
import { KeyProofs } from '../../src/browser/discovery/key-proofs.js'
import { direct, fetchRegistry } from '../../src/browser/discovery/source.js'
import { HealthError } from '../../src/shared/health-client.js'
import { usePageWebSocket } from '../helpers/page-websocket.js'
import { PORTS } from '../helpers/ports.js'
import { registryStandIn } from '../helpers/registry-stand-in.js'
import { standInEntry } from '../helpers/stand-in-peer.js'

usePageWebSocket()

const one = (base: string) => {
  const port = Number(new URL(base).port)
  return { url: base, id: `peer-${port}`, peers: [standInEntry(`peer-${port}`, port)] }
}

describe('HeadStart', () => {
  it('the source asking the same peer takes its answer: the peer is asked once, over its directory socket', async () => {
    const peer = await registryStandIn(0)
    const early = new HeadStart(peer.base, 'registry', 2000)
    expect(await early.answer).toEqual(one(peer.base))
    const found = await fetchRegistry(peer.base, new AbortController().signal, 2000, direct, early)
    expect(found).toEqual(one(peer.base))
    expect(peer.seen).toMatchObject({ requests: 1, upgrades: 1 })
    // Taken once: a second ask sends its own request.
    await fetchRegistry(peer.base, new AbortController().signal, 2000, direct, early)
    expect(peer.seen).toMatchObject({ requests: 2, upgrades: 1 })
    early.close()
  })

  it('hands its open socket, with the frames that came after the list, to the one that adopts it', async () => {
    const peer = await registryStandIn(0)
    const early = new HeadStart(peer.base, 'registry', 2000)
    await early.answer
    expect(early.adopt('http://127.0.0.1:1')).toBeNull()
    let socket = early.adopt(peer.base)
    await waitFor(() => (socket?.frames.length ?? 0) === 1, 'the directory frame queued')
    expect(new Uint8Array(socket!.frames[0] as ArrayBuffer)).toEqual(new Uint8Array([0, 1, 2, 0, 0]))
    expect(socket!.closed).toBeNull()
    // Adopted once; close() leaves an adopted socket alone.
    expect(early.adopt(peer.base)).toBeNull()
    early.close()
    expect(socket!.ws.readyState).toBe(socket!.ws.OPEN)
    socket!.ws.close()
    socket = null
  })

  it('close() closes a socket nobody adopted', async () => {
    const peer = await registryStandIn(0)
    const early = new HeadStart(peer.base, 'registry', 2000)
    await early.answer
    early.close()
    expect(early.adopt(peer.base)).toBeNull()
    await waitFor(() => peer.seen.closedAfter === 1, 'the socket closed')
  })

  it('another peer is not served by it', async () => {
    const a = await registryStandIn(0)
    const b = await registryStandIn(0)
    const early = new HeadStart(a.base, 'registry', 2000)
    expect(early.take(b.base, new AbortController().signal)).toBeUndefined()
    await fetchRegistry(b.base, new AbortController().signal, 2000, direct, early)
    expect(b.seen.requests).toBe(1)
    early.release()
  })

  it('release() cancels a request nobody took', async () => {
    const peer = await registryStandIn(0, { hang: true })
    const early = new HeadStart(peer.base, 'cache', 60_000)
    await waitFor(() => peer.seen.requests === 1, 'the request to arrive')
    early.release()
    await waitFor(() => peer.seen.cancelled === 1, 'the request to be cancelled')
    await expect(early.answer).rejects.toThrow('cancelled')
    expect(early.take(peer.base, new AbortController().signal)).toBeUndefined()
  })

  it("the taker's signal cancels the taken request", async () => {
    const peer = await registryStandIn(0, { hang: true })
    const early = new HeadStart(peer.base, 'registry', 60_000)
    const stop = new AbortController()
    const asking = fetchRegistry(peer.base, stop.signal, 60_000, direct, early)
    await waitFor(() => peer.seen.requests === 1, 'the request to arrive')
    stop.abort()
    await expect(asking).rejects.toThrow('cancelled')
    await waitFor(() => peer.seen.cancelled === 1, 'the request to be cancelled')
  })

  it('its own timeout holds: a silent peer is "no answer in N ms"', async () => {
    const peer = await registryStandIn(0, { hang: true })
    const early = new HeadStart(peer.base, 'registry', 50)
    await expect(early.answer).rejects.toThrow('no answer in 50 ms')
  })

  it('an answer that is not a registry is refused as any source refuses it, and its socket closed', async () => {
    for (const body of ['{"self":1}', 'not json']) {
      const peer = await registryStandIn(0, { body })
      const early = new HeadStart(peer.base, 'registry', 2000)
      await expect(early.answer).rejects.toThrow(body === 'not json' ? 'not JSON' : 'not a peer-plan registry')
      expect(early.adopt(peer.base)).toBeNull()
    }
  })

  it('a refused Origin (close code 4403) fails as a refused /registry does: the page is told to allow its origin', async () => {
    const peer = await registryStandIn(0, { closeCode: 4403 })
    const err = await new HeadStart(peer.base, 'registry', 2000).answer.catch((e: unknown) => e)
    expect(err).toBeInstanceOf(HealthError)
    expect(err).toMatchObject({ originRefused: true, message: "HTTP 403: this page's origin is not allowed" })
  })

  it('a peer that answers but will not serve the socket (full: 4503, 4429) is asked over HTTP', async () => {
    for (const closeCode of [4503, 4429]) {
      const peer = await registryStandIn(0, { closeCode })
      const early = new HeadStart(peer.base, 'registry', 2000)
      expect(await early.answer).toEqual(one(peer.base))
      expect(peer.seen).toMatchObject({ requests: 2, upgrades: 1 })
    }
  })

  it('a page with the token asks GET /registry?proof= and opens no socket (its directory is read with the token)', async () => {
    const peer = await registryStandIn(0)
    const early = new HeadStart(peer.base, 'registry', 2000, new KeyProofs('a'.repeat(64)))
    // The stand-in holds no key: the answer is refused as unproven, after one HTTP request.
    await expect(early.answer).rejects.toThrow('did not prove the mesh key')
    expect(peer.seen).toMatchObject({ requests: 1, upgrades: 0 })
  })

  it('nothing listening is "could not connect"', async () => {
    const peer = await registryStandIn(0)
    const base = peer.base.replace(/:\d+$/, ':1')
    await expect(new HeadStart(base, 'registry', 2000).answer).rejects.toThrow('could not connect')
  })

  it('a peer from before ?registry (its first frame the directory) is asked over HTTP', async () => {
    const peer = await registryStandIn(0, { legacy: true })
    const early = new HeadStart(peer.base, 'registry', 2000)
    expect(await early.answer).toEqual(one(peer.base))
    expect(peer.seen).toMatchObject({ requests: 2, upgrades: 1 })
    expect(early.adopt(peer.base)).toBeNull()
  })
})

describe('HeadStarts', () => {
  it('hands each answer to the source asking its peer, the socket of the peer followed to the Mesh, and closes the rest', async () => {
    const [a, b] = [await registryStandIn(0), await registryStandIn(0)]
    const heads = new HeadStarts(new HeadStart(a.base, 'registry', 2000))
    heads.add(new HeadStart(b.base, 'scan', 2000))
    const signal = new AbortController().signal
    expect(await heads.take(b.base, signal)).toEqual(one(b.base))
    expect(await heads.take(a.base, signal)).toEqual(one(a.base))
    expect(heads.take(a.base, signal)).toBeUndefined()
    heads.release()
    // Both were taken, so both sockets are still open: the Mesh adopts one and closes the other.
    expect(heads.adopt(b.base)?.ws.readyState).toBe(WebSocket.OPEN)
    heads.close()
    await waitFor(() => a.seen.closedAfter === 1, "the other socket to be closed")
    expect(b.seen.closedAfter).toBe(0)
    expect(heads.adopt(a.base)).toBeNull()
  })

  it('lets the scan add its sockets only once the first socket was refused: not while it connects, nor after it answered', async () => {
    const peer = await registryStandIn(0)
    const answered = new HeadStarts(new HeadStart(peer.base, 'registry', 2000))
    await answered.take(peer.base, new AbortController().signal)
    expect(answered.forScan()).toBeNull()
    answered.close()
    expect(new HeadStarts(null).forScan()).toBeNull()
    const stalled = await registryStandIn(0, { stallUpgrades: true })
    const connecting = new HeadStarts(new HeadStart(stalled.base, 'registry', 2000))
    await waitFor(() => stalled.seen.upgrades === 1, 'the upgrade to arrive')
    expect(connecting.forScan()).toBeNull()
    connecting.release()
    const dead = `http://127.0.0.1:${PORTS.headStartDead[0]}`
    const refused = new HeadStarts(new HeadStart(dead, 'registry', 2000))
    await expect(refused.take(dead, new AbortController().signal)).rejects.toThrow('could not connect')
    expect(refused.forScan()).toBe(refused)
  })
})
