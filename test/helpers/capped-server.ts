/**
 * A real node:http server under a ConnectionCap on loopback, and raw clients in each state the cap tells
 * apart: idle (connected, no request yet), busy (a request whose answer the server holds back), stalled
 * (a client that does not read an answer larger than the socket buffers) and upgraded (a 101 answered,
 * the socket then the upgrade handler's). No peer: the cap alone.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { connect, createServer as createListener, type Server as Listener, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { ConnectionCap, type ConnectionCapOptions } from '../../src/node/conn-cap.js'
import { waitFor } from './peers.js'

/** A raw client socket and what it has seen. */
export interface Client {
  socket: Socket
  /** True once the socket has closed (the server closed it, or it was never let in). */
  closed: boolean
  /** Everything the server sent it. */
  data: string
}

const HOLD = '/hold'
const BIG = '/big'
/** Larger than loopback's socket buffers on both ends can take (a few MiB each here): its write never finishes unread. */
const BIG_ANSWER = Buffer.alloc(32 * 1024 * 1024)

/** A GET on a connection of its own (closed after it): its status, or a rejection when the connection is closed. */
export const plainGet = (port: number, path = '/'): Promise<number> =>
  new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode!))
    })
    req.on('error', reject)
    req.end()
  })

export class CappedServer {
  readonly server: Server
  readonly cap: ConnectionCap
  /** Answers of busy requests, held until release(). */
  readonly held: ServerResponse[] = []
  /** Client ports of the connections the server was told of ('connection'), refused ones included. */
  private readonly seen = new Set<number>()
  private readonly upgraded: Duplex[] = []
  private readonly listeners: Listener[] = []
  private readonly clients: Socket[] = []

  /** How many requests for the large answer the server has begun to answer. */
  bigAnswers = 0

  /** A cap of `n`; `opts`: ConnectionCap's others (its defaults unless given). */
  constructor(n: number, opts: Omit<ConnectionCapOptions, 'cap'> = {}) {
    this.server = createServer((req, res) => {
      if (req.url === HOLD) return void this.held.push(res)
      if (req.url !== BIG) return void res.end('ok')
      this.bigAnswers++
      res.end(BIG_ANSWER)
    })
    this.cap = new ConnectionCap(this.server, { ...opts, cap: n })
    this.server.on('connection', (s: Socket) => this.seen.add(s.remotePort!))
    this.server.on('upgrade', (_req: IncomingMessage, socket: Duplex) => {
      socket.on('error', () => {})
      this.upgraded.push(socket)
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\n')
    })
  }

  listen(port: number): Promise<void> {
    return this.bind(this.server, port)
  }

  /** A second listener on `port` whose sockets go to the server through the cap (as range-claim.ts's). */
  handFrom(port: number): Promise<void> {
    const listener = createListener(this.cap.hand)
    this.listeners.push(listener)
    return this.bind(listener, port)
  }

  /** Connects and resolves once the server has been told of the connection, or has closed it. */
  async idle(port: number): Promise<Client> {
    const socket = connect(port, '127.0.0.1')
    this.clients.push(socket)
    const client: Client = { socket, closed: false, data: '' }
    socket.on('error', () => {})
    socket.on('close', () => (client.closed = true))
    socket.setEncoding('utf8').on('data', (d: string) => (client.data += d))
    await new Promise((r) => socket.once('connect', r).once('close', r))
    await waitFor(() => client.closed || this.seen.has(socket.localPort!), `the server to see client port ${socket.localPort}`)
    return client
  }

  /** A request whose answer the server holds back until release(). */
  async busy(port: number): Promise<Client> {
    const before = this.held.length
    const client = await this.idle(port)
    client.socket.write(`GET ${HOLD} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`)
    await waitFor(() => this.held.length > before || client.closed, 'the server to hold the request')
    return client
  }

  /** A request for an answer larger than the socket buffers, which this client never reads. */
  async stalled(port: number): Promise<Client> {
    const before = this.bigAnswers
    const socket = connect(port, '127.0.0.1')
    this.clients.push(socket)
    const client: Client = { socket, closed: false, data: '' }
    socket.on('error', () => {})
    socket.on('close', () => (client.closed = true))
    socket.pause()
    await new Promise((r) => socket.once('connect', r).once('close', r))
    socket.write(`GET ${BIG} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`)
    await waitFor(() => this.bigAnswers > before || client.closed, 'the server to begin the large answer')
    return client
  }

  /** A connection upgraded by the server's 'upgrade' handler. */
  async upgrade(port: number): Promise<Client> {
    const client = await this.idle(port)
    client.socket.write('GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n')
    await waitFor(() => client.data.includes(' 101 ') || client.closed, 'the upgrade to be answered')
    return client
  }

  get(port: number): Promise<number> {
    return plainGet(port)
  }

  /** Answers the held request `i` (kept alive: its connection stays open, idle). */
  release(i: number): void {
    this.held[i]!.end('released')
  }

  close(): void {
    for (const s of [...this.clients, ...this.upgraded]) s.destroy()
    for (const l of this.listeners) l.close()
    this.server.closeAllConnections()
    this.server.close()
  }

  private bind(server: Server | Listener, port: number): Promise<void> {
    return new Promise((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve()))
  }
}
