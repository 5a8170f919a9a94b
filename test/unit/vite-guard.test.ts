/** The Vite plugin's gate and relay paths (src/vite): who may use the relay, and which paths it takes. */
import { createServer as createHttpServer, type IncomingMessage } from 'node:http'
import { connect, createServer as createTcpServer, type Socket } from 'node:net'
import { describe, expect, it, onTestFinished } from 'vitest'
import { pageRefusal } from '../../src/vite/page-guard.js'
import { relayHttp, relayPath, WsRelay } from '../../src/vite/relay.js'
import { PORTS } from '../helpers/ports.js'

const req = (remoteAddress: string, headers: Record<string, string>) => ({ socket: { remoteAddress }, headers }) as unknown as IncomingMessage

describe('the Vite plugin', () => {
  it('lets in this machine\'s clients on a loopback or allowed Host, from the server\'s own origin or none', () => {
    expect(pageRefusal(req('127.0.0.1', { host: 'localhost:5173', origin: 'http://localhost:5173' }), [])).toBeNull()
    expect(pageRefusal(req('::1', { host: '[::1]:5173' }), [])).toBeNull()
    expect(pageRefusal(req('::ffff:127.0.0.1', { host: 'app.localhost:5173', origin: 'https://app.localhost:5173' }), [])).toBeNull()
    expect(pageRefusal(req('127.0.0.1', { host: 'dev.example.test:5173', origin: 'http://dev.example.test:5173' }), ['.example.test'])).toBeNull()
    expect(pageRefusal(req('127.0.0.1', { host: 'anything:5173' }), true)).toBeNull()
  })

  it('refuses LAN clients, rebinding Hosts and foreign pages', () => {
    expect(pageRefusal(req('192.168.1.20', { host: 'localhost:5173' }), true)).toMatch(/this machine/)
    expect(pageRefusal(req('127.0.0.1', { host: 'evil.example:5173', origin: 'http://evil.example:5173' }), [])).toMatch(/Host/)
    expect(pageRefusal(req('127.0.0.1', { host: 'localhost:5173', origin: 'http://evil.example' }), [])).toMatch(/Origin/)
    expect(pageRefusal(req('127.0.0.1', { host: 'localhost:5173', origin: 'http://localhost:5174' }), [])).toMatch(/Origin/)
    expect(pageRefusal(req('127.0.0.1', { host: 'localhost.evil.example:5173' }), [])).toMatch(/Host/)
  })

  it('relays <base>/peer/<port><path> and nothing else', () => {
    expect(relayPath('/api', '/api/peer/1234/health')).toEqual({ port: 1234, rest: '/health' })
    expect(relayPath('/api', '/api/peer/1234/my-room?x=1')).toEqual({ port: 1234, rest: '/my-room?x=1' })
    expect(relayPath('/api', '/api/peer/1234')).toEqual({ port: 1234, rest: '/' })
    expect(relayPath('/api', '/api/registry')).toBeNull()
    expect(relayPath('/api', '/other/peer/1234/health')).toBeNull()
    expect(relayPath('/api', '/api/peer/12x/health')).toBeNull()
  })

  it('answers 502 for an upstream status that is no HTTP status (000), and goes on', async () => {
    const [devPort, upstreamPort] = PORTS.viteRelayUnit
    // Node's client takes `HTTP/1.1 000` as statusCode 0; writeHead(0) would throw in the relay's callback.
    const sockets = new Set<import('node:net').Socket>()
    const upstream = createTcpServer((socket) => {
      sockets.add(socket)
      socket.on('error', () => {})
      socket.end('HTTP/1.1 000 Zero\r\nContent-Length: 0\r\n\r\n')
    })
    const dev = createHttpServer((req, res) => relayHttp(req, res, upstreamPort, '/health'))
    await new Promise<void>((r) => upstream.listen(upstreamPort, '127.0.0.1', r))
    await new Promise<void>((r) => dev.listen(devPort, '127.0.0.1', r))
    onTestFinished(async () => {
      dev.closeAllConnections()
      for (const socket of sockets) socket.destroy()
      await Promise.all([new Promise((r) => dev.close(r)), new Promise((r) => upstream.close(r))])
    })
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`http://127.0.0.1:${devPort}/api/peer/${upstreamPort}/health`)
      expect(res.status).toBe(502)
      expect(res.headers.get('X-Peer-Plan-Error')).toMatch(/status 0/)
    }
  })

  it("relays a WebSocket only to a port that switches protocols: another service's answer never reaches the client", async () => {
    const [devPort, upstreamPort] = PORTS.viteRelayUnit
    const sockets = new Set<Socket>()
    const asked: string[] = []
    // A local service that is no peer: it answers the upgrade with its own page.
    const upstream = createTcpServer((socket) => {
      sockets.add(socket)
      socket.on('error', () => {})
      socket.once('data', (d) => {
        asked.push(d.toString('latin1').split('\r\n')[0]!)
        socket.end('HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\nsecret-service')
      })
    })
    const relay = new WsRelay()
    const dev = createHttpServer()
    dev.on('upgrade', (req, socket, head) => relay.handle(req, socket, head, upstreamPort, '/admin'))
    await new Promise<void>((r) => upstream.listen(upstreamPort, '127.0.0.1', r))
    await new Promise<void>((r) => dev.listen(devPort, '127.0.0.1', r))
    onTestFinished(async () => {
      relay.closeAll()
      dev.closeAllConnections()
      for (const socket of sockets) socket.destroy()
      await Promise.all([new Promise((r) => dev.close(r)), new Promise((r) => upstream.close(r))])
    })
    const client = connect(devPort, '127.0.0.1')
    client.on('error', () => {})
    let got = ''
    client.on('data', (d) => (got += d.toString('latin1')))
    const closed = new Promise((r) => client.on('close', r))
    client.write(`GET /api/peer/${upstreamPort}/admin HTTP/1.1\r\nHost: 127.0.0.1:${devPort}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`)
    await closed
    expect(asked).toEqual(['GET /admin HTTP/1.1'])
    expect(got).not.toContain('secret-service')
    expect(got === '' || got.startsWith('HTTP/1.1 502')).toBe(true)
  })
})
