/**
 * joinMesh's head start (browser/join.ts, discovery/head-start.ts) against loopback stand-ins for
 * peers' /registry: its answer alone settles the join, and when it is late or dead the race takes
 * over without asking the same peer twice. ws's WebSocket and Node's fetch as the page's; the live
 * attach is not under test here, so each mesh is destroyed as soon as the join resolves.
 */
import { describe, expect, it, onTestFinished } from 'vitest'
import { waitFor } from '../../scripts/lib/wait-for.mjs'
import { MeshDiscoveryError } from '../../src/browser/discovery/race.js'
import { joinMesh } from '../../src/browser/join.js'
import { PORTS } from '../helpers/ports.js'
import { usePageWebSocket } from '../helpers/page-websocket.js'
import { registryStandIn } from '../helpers/registry-stand-in.js'

usePageWebSocket()

const [P0] = PORTS.joinHeadStart

/** Answers on `port` (after `delayMs`, if given) with itself alone; counts requests and cancelled ones. */
const standIn = async (port: number, delayMs = 0) => (await registryStandIn(port, { delayMs })).seen

const join = async (options: Parameters<typeof joinMesh>[0]) => {
  const mesh = await joinMesh({ cache: false, ...options })
  mesh.destroy()
  return mesh
}


describe('joinMesh with a head start', () => {
  it('the registry endpoint answering settles the join alone: no other port is asked', async () => {
    const first = await standIn(P0)
    const second = await standIn(P0 + 1)
    const mesh = await join({ ports: [P0, P0 + 3] })
    expect(mesh.via).toBe('registry')
    expect(mesh.peers.map((p) => p.id)).toEqual([`peer-${P0}`])
    expect(mesh.timings.sources).toMatchObject([{ via: 'registry', ok: true }])
    expect(first.requests).toBe(1)
    expect(second.requests).toBe(0)
  })

  it("the live directory comes on the head start's own socket: the peer is asked once in all", async () => {
    const first = await standIn(P0)
    const mesh = await joinMesh({ ports: [P0, P0 + 3], cache: false })
    onTestFinished(() => mesh.destroy())
    await mesh.live
    expect(first).toMatchObject({ requests: 1, upgrades: 1, cancelled: 0 })
  })

  it("a mesh destroyed before its live attach closes the head start's socket", async () => {
    const first = await standIn(P0)
    const mesh = await joinMesh({ ports: [P0, P0 + 3], cache: false })
    mesh.destroy()
    await waitFor(() => first.closedAfter === 1, 'the socket closed')
    expect(first).toMatchObject({ requests: 1, upgrades: 1 })
  })

  it('a late registry endpoint: the scan starts and wins; the late one is asked once, then cancelled', async () => {
    const late = await standIn(P0, 60_000)
    await standIn(P0 + 1)
    const mesh = await join({ ports: [P0, P0 + 3], graceMs: 0 })
    expect(mesh.via).toBe('scan')
    expect(mesh.peers.map((p) => p.id)).toEqual([`peer-${P0 + 1}`])
    expect(late.requests).toBe(1)
    await waitFor(() => late.cancelled === 1, 'the late request to be cancelled')
  })

  it('a dead registry endpoint: the scan finds the mesh, and the attempts name the refusal', async () => {
    await standIn(P0 + 2)
    const mesh = await join({ ports: [P0, P0 + 3] })
    expect(mesh.via).toBe('scan')
    expect(mesh.timings.sources.find((a) => a.via === 'registry')).toMatchObject({ ok: false })
  })

  it("a dead registry endpoint: the scan's first ports are asked on their directory sockets, and the live directory comes on the winner's", async () => {
    const found = await standIn(P0 + 1)
    // Waits for the registry endpoint's refusal however busy the machine: the scan's sockets follow one.
    const mesh = await joinMesh({ ports: [P0, P0 + 3], cache: false, scanDelayMs: 5000 })
    onTestFinished(() => mesh.destroy())
    expect(mesh.via).toBe('scan')
    await mesh.live
    // One socket to the peer it found, asked for the list and then read as the directory: no fetch, no second socket.
    expect(found).toMatchObject({ requests: 1, upgrades: 1, cancelled: 0, closedAfter: 0 })
  })

  it("the scan's other first port answered too: its socket is closed, the winner's kept", async () => {
    const a = await standIn(P0 + 1)
    const b = await standIn(P0 + 2)
    const mesh = await joinMesh({ ports: [P0, P0 + 3], cache: false, scanDelayMs: 5000 })
    onTestFinished(() => mesh.destroy())
    await mesh.live
    const won = mesh.timings.sources.find((s) => s.via === 'scan' && s.ok)?.detail ?? ''
    const [winner, loser] = won.startsWith(`http://127.0.0.1:${P0 + 1} `) ? [a, b] : [b, a]
    await waitFor(() => loser.closedAfter + loser.cancelled === 1, 'the losing socket to be closed')
    expect(loser.upgrades).toBe(1)
    // The winner's socket carried its list and then the live directory.
    expect(winner).toMatchObject({ upgrades: 1, cancelled: 0 })
  })

  it('a registry endpoint whose socket hangs unopened (as a throttled one does): the scan fetches its first ports', async () => {
    await registryStandIn(P0, { stallUpgrades: true })
    const found = await standIn(P0 + 1)
    await join({ ports: [P0, P0 + 3], graceMs: 0 })
    expect(found).toMatchObject({ requests: 1, upgrades: 0 })
  })

  it('a socket that does not open in a quarter of the request time (as a throttled one) is given up, and the peer fetched', async () => {
    const stalled = await registryStandIn(P0, { stallUpgrades: true })
    const mesh = await join({ ports: [P0, P0] })
    expect(mesh.via).toBe('registry')
    expect(mesh.peers.map((p) => p.id)).toEqual([`peer-${P0}`])
    expect(stalled.seen).toMatchObject({ upgrades: 1, requests: 2 })
  })

  it("a join that fails while a scan's socket holds its list closes that socket", async () => {
    // The cache is preferred and hangs on its second peer (its first, the head start's, is dead), so the
    // scan's answer waits for the grace, and the join's deadline comes first.
    await standIn(P0 + 2, 60_000)
    const found = await standIn(P0 + 1)
    const stored = new Map<string, string>()
    const page = globalThis as { localStorage?: unknown }
    page.localStorage = { getItem: (k: string) => stored.get(k) ?? null, setItem: () => {} }
    onTestFinished(() => void delete page.localStorage)
    const urls = [P0 + 3, P0 + 2].map((p) => `http://127.0.0.1:${p}`)
    stored.set(`peer-plan:last-known:127.0.0.1:${P0}-${P0 + 3}`, JSON.stringify({ current: urls[0], urls, savedAt: 1 }))
    await expect(joinMesh({ ports: [P0, P0 + 3], graceMs: 1000, timeoutMs: 300 })).rejects.toBeInstanceOf(MeshDiscoveryError)
    expect(found.upgrades).toBe(1)
    await waitFor(() => found.closedAfter === 1, "the scan's socket to be closed")
  })

  it('a bad range is refused before anything is sent', async () => {
    const first = await standIn(P0)
    await expect(joinMesh({ ports: [P0 + 3, P0] })).rejects.toThrow(RangeError)
    expect(first.requests).toBe(0)
  })

  it('a time no timer can take, and a token that is not one, are refused before anything is sent', async () => {
    const first = await standIn(P0)
    // A browser runs a setTimeout of NaN, Infinity or over 2^31 - 1 ms at once.
    for (const timeoutMs of [Infinity, NaN, 3e9, -1]) {
      await expect(joinMesh({ ports: [P0, P0], cache: false, timeoutMs })).rejects.toThrow(/timeoutMs must be a number of ms from 0 to 2147483647/)
    }
    // A WebSocket subprotocol takes no space or comma: such a token would fail every attach.
    for (const token of [`${'a'.repeat(64)} `, `${'a'.repeat(64)},x`, 'abc']) {
      await expect(joinMesh({ ports: [P0, P0], cache: false, token })).rejects.toThrow(/token must be the 64 hex digits/)
    }
    expect(first.requests).toBe(0)
    // What a URL's bare #token= gives is no token, not a bad one.
    const mesh = await join({ ports: [P0, P0], token: '' })
    expect(mesh.token).toBeNull()
  })

  it('an answer after timeoutMs does not make the join succeed, however long scanDelayMs is', async () => {
    await standIn(P0, 150)
    await expect(joinMesh({ ports: [P0, P0], cache: false, timeoutMs: 50, scanDelayMs: 300 })).rejects.toBeInstanceOf(MeshDiscoveryError)
  })

  it('a timeout the platform refuses is a rejection naming the option, with a bootstrap list too', async () => {
    const first = await standIn(P0)
    for (const options of [{}, { bootstrap: [`http://127.0.0.1:${P0}`] }]) {
      await expect(joinMesh({ ports: [P0, P0 + 1], cache: false, probeTimeoutMs: Infinity, ...options })).rejects.toThrow(/probeTimeoutMs must be a number of ms/)
    }
    expect(first.requests).toBe(0)
  })

  it('a cached current peer that hangs: the other cached peers are asked, and one wins for the cache', async () => {
    await standIn(P0, 60_000)
    await standIn(P0 + 1)
    const stored = new Map<string, string>()
    const page = globalThis as { localStorage?: unknown }
    page.localStorage = { getItem: (k: string) => stored.get(k) ?? null, setItem: (k: string, v: string) => void stored.set(k, v) }
    onTestFinished(() => void delete page.localStorage)
    const urls = [P0, P0 + 1].map((p) => `http://127.0.0.1:${p}`)
    stored.set(`peer-plan:last-known:127.0.0.1:${P0 + 2}-${P0 + 3}`, JSON.stringify({ current: urls[0], urls, savedAt: 1 }))
    const mesh = await joinMesh({ ports: [P0 + 2, P0 + 3] })
    mesh.destroy()
    expect(mesh.via).toBe('cache')
    expect(mesh.peers.map((p) => p.id)).toEqual([`peer-${P0 + 1}`])
  })
})
