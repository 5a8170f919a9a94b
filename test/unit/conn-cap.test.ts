import { afterEach, describe, expect, it } from 'vitest'
import { connectionCap, MAX_CONNECTIONS, openFilesLimit } from '../../src/node/conn-cap.js'
import { CappedServer } from '../helpers/capped-server.js'
import { waitFor } from '../helpers/peers.js'
import { PORTS } from '../helpers/ports.js'

const limits = (soft: string, hard = soft) => `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            ${soft.padEnd(20)} ${hard.padEnd(20)} files
Max locked memory         8388608              8388608              bytes
`

describe('connectionCap', () => {
  it('reads the soft limit on open files', () => {
    expect(openFilesLimit(limits('20000'))).toBe(20000)
    expect(openFilesLimit(limits('1024', '524288'))).toBe(1024)
    expect(openFilesLimit(limits('unlimited'))).toBe(Infinity)
    expect(openFilesLimit('nothing here')).toBeNull()
  })

  it('is half the descriptors, at most MAX_CONNECTIONS, and never below 64', () => {
    expect(connectionCap(limits('20000'))).toBe(MAX_CONNECTIONS)
    expect(connectionCap(limits('4096'))).toBe(2048)
    expect(connectionCap(limits('unlimited'))).toBe(MAX_CONNECTIONS)
    expect(connectionCap(limits('32'))).toBe(64)
    expect(connectionCap(null)).toBe(MAX_CONNECTIONS)
    // This machine's own.
    expect(connectionCap()).toBeGreaterThanOrEqual(64)
  })
})

describe('ConnectionCap', () => {
  let capped: CappedServer
  afterEach(() => capped.close())
  const [own, extra] = PORTS.connCap
  /** A server on `own` and a listener on `extra` that hands it its sockets, under one cap of `n`. */
  const start = async (n: number, warn?: (line: string) => void) => {
    capped = new CappedServer(n, { warn })
    await capped.listen(own)
    await capped.handFrom(extra)
    return capped
  }

  it('holds one cap over the server and the listener that hands it sockets', async () => {
    const { cap } = await start(4)
    const busy = [await capped.busy(own), await capped.busy(own), await capped.busy(extra)]
    expect(cap.held).toBe(3)
    // Two more on the handing listener: one fits, one is closed at once (every other one is busy).
    const more = [await capped.busy(extra), await capped.busy(extra)]
    await waitFor(() => more.filter((c) => c.closed).length === 1, 'one of the two to be closed')
    expect(cap.held).toBe(4)
    // The server's own listener is full too.
    const late = await capped.idle(own)
    await waitFor(() => late.closed, "the server's own listener to refuse a fifth")
    expect(cap.held).toBe(4)
    // A handed connection that goes makes room on either listener.
    busy[2]!.socket.destroy()
    await waitFor(() => cap.held === 3, 'the handed connection to be let go')
    const again = await capped.idle(own)
    expect(cap.held).toBe(4)
    expect(again.closed).toBe(false)
  })

  it("closes an idle handed connection to let in the own listener's, and the other way round", async () => {
    const { cap } = await start(3)
    const handed = await capped.idle(extra)
    const ownIdle = await capped.idle(own)
    await capped.busy(own)
    expect(await capped.get(own)).toBe(200)
    await waitFor(() => handed.closed, 'the handed idle connection to be closed for the GET')
    // The GET's own connection closed after its answer: fill its slot again, with a newer idle one.
    await waitFor(() => cap.held === 2, "the GET's connection to be let go")
    await capped.idle(extra)
    expect(await capped.get(extra)).toBe(200)
    await waitFor(() => ownIdle.closed, 'the own idle connection to be closed for the handed GET')
    expect(cap.held).toBeLessThanOrEqual(3)
    expect(cap.evicted).toBe(2)
  })

  it("never lifts the own listener's limit: with every slot handed and busy it takes none", async () => {
    const { cap } = await start(2)
    await capped.busy(extra)
    await capped.busy(extra)
    expect(cap.held).toBe(2)
    // Node reads maxConnections = 0 as no limit: the own listener once took all 5.
    const direct = await Promise.all(Array.from({ length: 5 }, () => capped.idle(own)))
    await waitFor(() => direct.every((c) => c.closed), 'all five to be closed')
    expect(cap.held).toBe(2)
  })

  it('says once, not per connection, that it closed or refused connections at the cap', async () => {
    const lines: string[] = []
    const { cap } = await start(2, (line) => lines.push(line))
    await capped.get(own)
    expect(lines).toEqual([])
    await capped.idle(own)
    await capped.idle(own)
    // Each of these closes the idle one longest: two evictions, one line.
    await capped.idle(extra)
    await capped.idle(own)
    await waitFor(() => cap.evicted === 2, 'two idle connections to be closed for newer ones')
    await capped.busy(own)
    await capped.busy(own)
    const refused = await capped.idle(extra)
    await waitFor(() => refused.closed && cap.refused === 1, 'a connection to be refused with every slot busy')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain('at the connection cap (2); since start, closed to make room: 1, refused: 0')
  })
})
