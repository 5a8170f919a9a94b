/**
 * A flood of idle connections at the cap (any local process can hold them, re-opening each as the
 * headers timeout closes it) must not keep new clients out: the oldest idle connection makes room.
 * Busy requests and upgraded sockets are never the ones to go, unless a request has been busy for
 * longer than any answer takes: a client that stopped reading its answer.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { CappedServer, type Client } from '../helpers/capped-server.js'
import { waitFor } from '../helpers/peers.js'
import { PORTS } from '../helpers/ports.js'

const [port] = PORTS.idleFlood
const CAP = 8

describe('ConnectionCap under an idle flood', () => {
  let capped: CappedServer
  afterEach(() => capped.close())
  const start = async () => {
    capped = new CappedServer(CAP)
    await capped.listen(port)
    return capped
  }
  const openIdle = async (n: number): Promise<Client[]> => {
    const out: Client[] = []
    for (let i = 0; i < n; i++) out.push(await capped.idle(port))
    return out
  }
  const closed = (clients: Client[]) => clients.map((c) => c.closed)

  it('lets a GET in past a cap held by idle connections, closing the oldest of them', async () => {
    const { cap } = await start()
    const idle = await openIdle(CAP)
    expect(cap.held).toBe(CAP)
    expect(await capped.get(port)).toBe(200)
    await waitFor(() => idle[0]!.closed, 'the oldest idle connection to be closed')
    expect(closed(idle.slice(1))).toEqual(Array(CAP - 1).fill(false))
    expect(cap.held).toBeLessThanOrEqual(CAP)
  })

  it('never closes a busy request or an upgraded socket to make room', async () => {
    const { cap } = await start()
    const busy = [await capped.busy(port), await capped.busy(port), await capped.busy(port)]
    const upgraded = [await capped.upgrade(port), await capped.upgrade(port)]
    const idle = await openIdle(3)
    expect(cap.held).toBe(CAP)
    // Ten more idle ones, each in turn: every one gets in, and the idle one there longest goes.
    const flood: Client[] = []
    for (let i = 0; i < 10; i++) {
      flood.push(await capped.idle(port))
      const victim = [...idle, ...flood][i]!
      await waitFor(() => victim.closed, `idle connection ${i} to be closed for the next`)
    }
    expect(closed(flood.slice(-3))).toEqual([false, false, false])
    expect(await capped.get(port)).toBe(200)
    expect(closed([...busy, ...upgraded])).toEqual([false, false, false, false, false])
    // The held requests are answered whole on the connections the flood left alone.
    busy.forEach((_, i) => capped.release(i))
    await waitFor(() => busy.every((c) => c.data.includes('released')), 'every held request to be answered')
    expect(closed(upgraded)).toEqual([false, false])
  })

  it('refuses a new connection when every one is busy, and takes it once a kept-alive one is idle', async () => {
    const { cap } = await start()
    const busy: Client[] = []
    for (let i = 0; i < CAP - 2; i++) busy.push(await capped.busy(port))
    const upgraded = [await capped.upgrade(port), await capped.upgrade(port)]
    const late = await capped.idle(port)
    await waitFor(() => late.closed, 'the connection past a busy cap to be closed')
    await expect(capped.get(port)).rejects.toThrow()
    expect(cap.held).toBe(CAP)
    // Answered and kept alive, the first busy connection is idle between requests: it makes room.
    capped.release(0)
    await waitFor(() => busy[0]!.data.includes('released'), 'the held request to be answered')
    expect(await capped.get(port)).toBe(200)
    await waitFor(() => busy[0]!.closed, 'the kept-alive connection to be closed for the GET')
    expect(closed([...busy.slice(1), ...upgraded])).toEqual(Array(CAP - 1).fill(false))
  })

  it('holds no more than the cap however many idle connections arrive at once', async () => {
    const { cap, server } = await start()
    let most = 0
    // Told after the cap's own listener: what it holds once it has let each in or closed it.
    server.on('connection', () => (most = Math.max(most, cap.held)))
    const flood = await Promise.all(Array.from({ length: 5 * CAP }, () => capped.idle(port)))
    await waitFor(() => flood.filter((c) => !c.closed).length === CAP, `${CAP} connections to stay open`)
    expect(most).toBeLessThanOrEqual(CAP)
    const own = await new Promise<number>((r, j) => server.getConnections((err, n) => (err ? j(err) : r(n))))
    expect(own).toBeLessThanOrEqual(CAP)
    expect(await capped.get(port)).toBe(200)
  })

  it('closes a connection whose client does not read its answer, at once, for a new one', async () => {
    const { cap } = await start()
    const stalled: Client[] = []
    for (let i = 0; i < CAP; i++) stalled.push(await capped.stalled(port))
    expect(cap.held).toBe(CAP)
    expect(await capped.get(port)).toBe(200)
    // A paused socket hears of its close only once it reads again; one still open would read its whole
    // answer and stay open (kept alive), and this would time out.
    stalled[0]!.socket.resume()
    await waitFor(() => stalled[0]!.closed, 'the connection backed up longest to be the one closed')
    expect(cap.held).toBeLessThanOrEqual(CAP)
  })

  it('closes a connection busy that long without a pause, for a new one', async () => {
    // 300 ms here; a peer's is SERVER_TIMEOUTS' whole-request deadline (15 s).
    capped = new CappedServer(CAP, { stalledMs: 300 })
    await capped.listen(port)
    const busy: Client[] = []
    for (let i = 0; i < CAP; i++) busy.push(await capped.busy(port))
    // Refused while they are busy for less than 300 ms; then the one busy longest makes room.
    await waitFor(async () => (await capped.get(port).catch(() => 0)) === 200, 'a GET to get in past the held requests', 10_000)
    await waitFor(() => busy[0]!.closed, 'the connection busy longest to be the one closed')
    expect(closed(busy.slice(1))).toEqual(Array(CAP - 1).fill(false))
  })

  it('closes a backed-up connection before an idle one, which may be a real client about to send its request', async () => {
    await start()
    const idle = await openIdle(CAP / 2)
    const stalled: Client[] = []
    for (let i = 0; i < CAP / 2; i++) stalled.push(await capped.stalled(port))
    expect(await capped.get(port)).toBe(200)
    stalled[0]!.socket.resume()
    await waitFor(() => stalled[0]!.closed, 'the backed-up connection to be the one closed')
    expect(closed(idle)).toEqual(Array(CAP / 2).fill(false))
  })
})
