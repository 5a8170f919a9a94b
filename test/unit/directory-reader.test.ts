import type { AddressInfo } from 'node:net'
import { describe, expect, it, onTestFinished } from 'vitest'
import * as Y from 'yjs'
import { WebSocketServer, type WebSocket as ServerSide } from 'ws'
import { DirectoryReader } from '../../src/browser/directory-reader.js'
import { encodeSyncStep2, encodeUpdate } from '../../src/shared/wire.js'
import { usePageWebSocket } from '../helpers/page-websocket.js'
import { PORTS } from '../helpers/ports.js'

usePageWebSocket()

/** A loopback server that hands each connection to `serve`, and records what clients send it. */
const server = async (serve: (ws: ServerSide) => void) => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await new Promise((r) => wss.once('listening', r))
  const received: Buffer[] = []
  const closed: number[] = []
  wss.on('connection', (ws) => {
    ws.on('message', (data: Buffer) => received.push(data))
    ws.on('close', (code) => closed.push(code))
    serve(ws)
  })
  onTestFinished(() => new Promise<void>((r) => (wss.clients.forEach((c) => c.terminate()), wss.close(() => r()))))
  return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/_directory`, received, closed }
}

/** A reader whose hook calls are recorded in order. */
const reader = (url: string, doc = new Y.Doc()) => {
  const calls: Array<['synced'] | ['closed', number | null, string]> = []
  const r = new DirectoryReader(url, [], { onSynced: () => calls.push(['synced']), onClosed: (code, why) => calls.push(['closed', code, why]) })
  r.readInto(doc)
  onTestFinished(() => r.destroy())
  return { r, doc, calls }
}

const until = async (cond: () => boolean, what: string) => {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setTimeout(r, 5))
  if (!cond()) throw new Error(`never: ${what}`)
}

const directoryWith = (entries: Record<string, unknown>) => {
  const doc = new Y.Doc()
  for (const [k, v] of Object.entries(entries)) doc.getMap('peers').set(k, v)
  return doc
}

describe('DirectoryReader', () => {
  it('is synced by the pushed step 2, follows updates, skips awareness frames and sends nothing', async () => {
    const source = directoryWith({ a: { id: 'a' } })
    const { url, received, closed } = await server((ws) => {
      ws.send(Uint8Array.of(1, 1, 0)) // the peer's nudge: an empty awareness update
      ws.send(encodeSyncStep2(source))
    })
    const { r, doc, calls } = reader(url)
    await until(() => calls.length > 0, 'the reader to sync')
    expect(calls).toEqual([['synced']])
    expect(r.synced).toBe(true)
    expect(doc.getMap('peers').toJSON()).toEqual({ a: { id: 'a' } })
    // Whatever the reader sent comes in before its close frame does.
    r.destroy()
    await until(() => closed.length > 0, 'the server to see the close')
    expect(received).toEqual([])
  })

  it('applies updates after the sync', async () => {
    const source = directoryWith({ a: { id: 'a' } })
    let peer: ServerSide | null = null
    const { url } = await server((ws) => {
      peer = ws
      ws.send(encodeSyncStep2(source))
    })
    const { doc, calls } = reader(url)
    await until(() => calls.length > 0, 'the reader to sync')
    source.on('update', (u: Uint8Array) => peer!.send(encodeUpdate(u)))
    source.getMap('peers').set('b', { id: 'b' })
    await until(() => doc.getMap('peers').has('b'), 'the update to arrive')
    peer!.send(encodeSyncStep2(source))
    source.getMap('peers').delete('a')
    await until(() => !doc.getMap('peers').has('a'), 'the delete to arrive')
    expect(calls).toEqual([['synced']])
  })

  it("reports the peer's close code and reason, before or after the sync", async () => {
    const { url } = await server((ws) => ws.close(4401, 'wrong access token'))
    const { calls } = reader(url)
    await until(() => calls.length > 0, 'the close')
    expect(calls).toEqual([['closed', 4401, 'wrong access token']])
  })

  it.each([
    ['a step 2 that does not apply', [0, 1, 3, 0xff, 0xff, 0xff], /update that does not apply/],
    ['an unknown message type', [9], /unknown message type 9/],
    ['a truncated sync message', [0], /bad sync message/]
  ])('cuts a connection that sends %s, says why, and is not synced by it', async (_what, bytes, why) => {
    const { url, closed } = await server((ws) => ws.send(Uint8Array.from(bytes)))
    const { r, calls } = reader(url)
    await until(() => calls.length > 0 && closed.length > 0, 'the cut')
    expect(calls).toEqual([['closed', null, expect.stringMatching(why)]])
    expect(r.synced).toBe(false)
  })

  it('says 1006 when nothing listens', async () => {
    const { calls } = reader(`ws://127.0.0.1:${PORTS.directoryReader[0]}/_directory`)
    await until(() => calls.length > 0, 'the failure')
    expect(calls).toEqual([['closed', 1006, expect.any(String)]])
  })

  it('tells nothing once destroyed, and closes its socket', async () => {
    let connected = false
    const { url, closed } = await server(() => void (connected = true))
    const { r, calls } = reader(url)
    await until(() => connected, 'the connection')
    r.destroy()
    await until(() => closed.length > 0, 'the server to see the close')
    expect(calls).toEqual([])
  })
})
