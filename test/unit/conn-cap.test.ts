import { createServer } from 'node:http'
import { connect, createServer as createListener, type Server, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { ConnectionCap, connectionCap, MAX_CONNECTIONS, openFilesLimit } from '../../src/node/conn-cap.js'
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
  const open: { close(): void }[] = []
  afterEach(() => {
    for (const o of open.splice(0)) o.close()
  })
  const listen = (server: Server, port: number) =>
    new Promise<void>((resolve) => {
      open.push(server)
      server.listen(port, '127.0.0.1', resolve)
    })
  const dial = (port: number): Promise<Socket> =>
    new Promise((resolve) => {
      const s = connect(port, '127.0.0.1', () => resolve(s))
      s.on('error', () => {})
      open.push({ close: () => s.destroy() })
    })

  const [own, extra] = PORTS.connCap
  /** A server on `own` and a listener on `extra` that hands it its sockets, under one cap of `n`. */
  const capped = async (n: number) => {
    const server = createServer()
    const cap = new ConnectionCap(server, n)
    await listen(server, own)
    await listen(createListener(cap.hand), extra)
    return cap
  }

  it('holds one cap over the server and the listener that hands it sockets', async () => {
    const cap = await capped(4)
    const first = [await dial(own), await dial(own), await dial(extra)]
    await waitFor(() => cap.held === 3, 'three connections held')
    // Two more on the handing listener: one fits, one is closed at once.
    const more = [await dial(extra), await dial(extra)]
    await waitFor(() => more.filter((s) => s.destroyed).length === 1, 'one of the two to be closed')
    expect(cap.held).toBe(4)
    // The server's own listener is full too: two are handed, so it takes only two of its own.
    const late = await dial(own)
    await waitFor(() => late.destroyed, "the server's own listener to refuse a fifth")
    expect(cap.held).toBe(4)
    // A handed socket that goes makes room on either listener.
    first[2]!.destroy()
    await waitFor(() => cap.held === 3, 'the handed socket to be let go')
    const again = await dial(own)
    await waitFor(() => cap.held === 4, 'a new connection on the own listener')
    expect(again.destroyed).toBe(false)
  })

  it("never lifts the own listener's limit: with every slot handed it takes one more, not any number", async () => {
    const cap = await capped(2)
    await dial(extra)
    await dial(extra)
    await waitFor(() => cap.held === 2, 'both slots handed')
    // Node reads maxConnections = 0 as no limit: the own listener took all 5 before.
    const direct = await Promise.all(Array.from({ length: 5 }, () => dial(own)))
    await waitFor(() => direct.filter((s) => s.destroyed).length === 4, 'four of the five to be closed')
    expect(cap.held).toBe(3)
  })
})
