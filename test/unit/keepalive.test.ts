import type { AddressInfo } from 'node:net'
import { describe, expect, it, onTestFinished } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'
import { Keepalive } from '../../src/node/keepalive.js'

/** A loopback server; resolves with the server side of one connection and the client. */
const pair = async () => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await new Promise((r) => wss.once('listening', r))
  const serverSide = new Promise<WebSocket>((r) => wss.once('connection', r))
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`)
  client.on('error', () => {})
  onTestFinished(() => {
    client.terminate()
    wss.close()
  })
  const server = await serverSide
  await new Promise((r) => (client.readyState === WebSocket.OPEN ? r(null) : client.once('open', r)))
  return { server, client }
}

const until = async (cond: () => boolean, what: string) => {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setTimeout(r, 5))
  if (!cond()) throw new Error(`never: ${what}`)
}

describe('Keepalive', () => {
  it('keeps a socket that answers pings', async () => {
    const { server, client } = await pair()
    const ka = new Keepalive(10)
    onTestFinished(() => ka.close())
    let pings = 0
    client.on('ping', () => pings++)
    ka.watch(server)
    await until(() => pings >= 6, 'six pings answered')
    expect(server.readyState).toBe(WebSocket.OPEN)
  })

  it('cuts a socket that misses two pongs in a row, and says so once', async () => {
    const { server, client } = await pair()
    const ka = new Keepalive(10)
    onTestFinished(() => ka.close())
    // A hung peer: its process reads nothing, so no pong comes back.
    ;(client as unknown as { _socket: { pause(): void } })._socket.pause()
    let dead = 0
    ka.watch(server, () => dead++)
    const closed = new Promise((r) => server.once('close', r))
    await closed
    expect(dead).toBe(1)
    expect(ka.size).toBe(0)
  })

  it('sends a nudge to a socket that has one, and none to the others', async () => {
    const reader = await pair()
    const writer = await pair()
    const ka = new Keepalive(10, 40)
    onTestFinished(() => ka.close())
    const got = { reader: [] as number[][], writer: 0 }
    reader.client.on('message', (data: Buffer) => got.reader.push([...data]))
    writer.client.on('message', () => got.writer++)
    ka.watch(reader.server, undefined, Uint8Array.of(1, 1, 0))
    ka.watch(writer.server)
    await until(() => got.reader.length >= 2, 'two nudges')
    expect(got.reader).toEqual([[1, 1, 0], [1, 1, 0]])
    expect(got.writer).toBe(0)
  })

  it('holds no timer when it watches nothing', async () => {
    const { server } = await pair()
    const ka = new Keepalive(10)
    const timer = () => (ka as unknown as { timer: unknown }).timer
    expect(timer()).toBeNull()
    ka.watch(server)
    expect(timer()).not.toBeNull()
    server.terminate()
    await until(() => ka.size === 0, 'the closed socket to be dropped')
    expect(timer()).toBeNull()
  })
})
