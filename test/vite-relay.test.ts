/**
 * The Vite plugin's relay under attack, on a real Vite dev server: the plugin follows a stand-in peer
 * whose directory lists ports of services that are no peers (what a buggy mesh peer, or a squatter
 * followed when no peer of this home answers, could list). None of it may take the dev server down,
 * and the relay's rules hold whatever the port behind it says.
 */
import { createServer as createHttpServer } from 'node:http'
import { connect, createServer as createTcpServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import { createServer, type ViteDevServer } from 'vite'
import * as Y from 'yjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { peerPlan } from '../src/vite/index.js'
import { WsRelay } from '../src/vite/relay.js'
import { PORTS } from './helpers/ports.js'
import { waitFor } from './helpers/peers.js'
import { standInEntry, standInPeer } from './helpers/stand-in-peer.js'
import { tempDir } from './helpers/temp.js'
import { suiteScope, testScope, type Scope } from './helpers/scope.js'

const R = PORTS.viteRelayAttacks
const [FOLLOWED, RECORDER, DIES, HTML, SILENT, UNLISTED] = [R[0], R[0] + 1, R[0] + 2, R[0] + 3, R[0] + 4, R[0] + 5]
const DEV = R[0] + 6
/** A bare HTTP server holding a WsRelay, and the port behind it (the relay's own tests, one at a time). */
const [BARE, BEHIND] = [R[0] + 7, R[0] + 8]

/** A TCP service on `port` that is no peer; `answer` gets every socket. Closed with `scope`. */
const service = async (scope: Scope, port: number, answer: (s: Socket) => void): Promise<Server> => {
  const sockets = new Set<Socket>()
  const server = createTcpServer((s) => {
    sockets.add(s)
    s.on('error', () => {})
    s.on('close', () => sockets.delete(s))
    answer(s)
  })
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r))
  scope.defer(() => new Promise<void>((r) => (sockets.forEach((s) => s.destroy()), server.close(() => r()))))
  return server
}

const upgrade = (path: string, host = `127.0.0.1:${DEV}`, extra = '') =>
  `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`

/** Sends `bytes` to `port` and gives back all it is answered, once the connection closes. */
const exchange = (port: number, bytes: string, onData?: (got: string, c: Socket) => void): Promise<string> =>
  new Promise((resolve) => {
    const c = connect(port, '127.0.0.1')
    let got = ''
    c.on('data', (d) => ((got += d.toString('latin1')), onData?.(got, c)))
    c.on('error', () => {})
    c.on('close', () => resolve(got))
    c.write(bytes)
  })

/** Sends `bytes` and resets the connection at once (RST, not FIN): a client that goes mid-handshake. */
const sendAndReset = (port: number, bytes: string): Promise<void> =>
  new Promise((resolve) => {
    const c = connect(port, '127.0.0.1', () => (c.write(bytes), c.resetAndDestroy()))
    c.on('error', () => {})
    c.on('close', () => resolve())
  })

describe('the Vite relay under attack', () => {
  const scope = suiteScope()
  const recorded: string[] = []
  let server: ViteDevServer

  beforeAll(async () => {
    const doc = new Y.Doc()
    const peers = doc.getMap('peers')
    for (const [id, port] of [['aaaaaaaaaaaaaaaa', FOLLOWED], ['bbbbbbbbbbbbbbbb', RECORDER], ['cccccccccccccccc', DIES], ['dddddddddddddddd', HTML]] as const) peers.set(id, standInEntry(id, port))
    await standInPeer('aaaaaaaaaaaaaaaa', FOLLOWED, doc, scope)
    // Records every byte it is sent; answers the first request as a web service that is no peer would.
    await service(scope, RECORDER, (s) => {
      s.on('data', (d) => recorded.push(d.toString('latin1')))
      s.once('data', () => s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'))
    })
    await service(scope, DIES, (s) => s.once('data', () => s.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"ok"', () => s.destroy())))
    await service(scope, HTML, (s) => s.once('data', () => s.end('HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 29\r\n\r\n<script>alert(1)</script>\r\n\r\n')))
    const root = tempDir(scope)
    server = await createServer({ configFile: false, root, cacheDir: join(root, 'vite-cache'), logLevel: 'silent', plugins: [peerPlan({ home: join(root, 'home'), ports: [FOLLOWED, FOLLOWED], printToken: false })], server: { port: DEV, strictPort: true, host: '127.0.0.1', hmr: false } })
    scope.defer(() => server.close())
    await server.listen()
    // An entry whose URL no parser takes (http://x:99999) once threw in the upgrade handler: the entry
    // rule now refuses it (test/unit/entry-check.test.ts), and the relay skips one all the same.
    const registry = await (await fetch(`http://127.0.0.1:${DEV}/api/registry`)).json()
    expect(registry.peers).toHaveLength(4)
  })

  const alive = async () => expect((await fetch(`http://127.0.0.1:${DEV}/api/registry`)).status).toBe(200)

  it('a port no entry lists is refused: 403 for an upgrade, 404 for HTTP, and the dev server answers on', async () => {
    expect(await exchange(DEV, upgrade(`/api/peer/${UNLISTED}/room`))).toMatch(/^HTTP\/1\.1 403 /)
    expect((await fetch(`http://127.0.0.1:${DEV}/api/peer/${UNLISTED}/health`)).status).toBe(404)
    await alive()
  })

  it('clients that reset a refused upgrade leave the dev server up', async () => {
    // vitest catches what would have ended a dev server (an 'error' event nobody listens to): the monitor sees it first.
    const uncaught: Error[] = []
    const monitor = (err: Error) => uncaught.push(err)
    process.on('uncaughtExceptionMonitor', monitor)
    testScope().defer(() => process.off('uncaughtExceptionMonitor', monitor))
    for (let i = 0; i < 100; i++) {
      await Promise.all([
        sendAndReset(DEV, upgrade(`/api/peer/${UNLISTED}/room`)),
        sendAndReset(DEV, upgrade(`/api/peer/${FOLLOWED}/room`, `evil.example:${DEV}`)),
        sendAndReset(DEV, upgrade(`/api/peer/${FOLLOWED}/room`, `127.0.0.1:${DEV}`, `Origin: http://evil.example\r\n`))
      ])
    }
    await alive()
    expect(uncaught.map((e) => e.message)).toEqual([])
  })

  it('bytes sent after the upgrade request are not sent on to a port that did not switch protocols', async () => {
    const smuggled = `POST /admin/delete HTTP/1.1\r\nHost: 127.0.0.1:${RECORDER}\r\nCookie: session=1\r\nContent-Length: 4\r\n\r\nDATA`
    const got = await exchange(DEV, upgrade(`/api/peer/${RECORDER}/room`) + smuggled)
    expect(got).toMatch(/^HTTP\/1\.1 502 /)
    expect(recorded.join('')).toMatch(/^GET \/room HTTP\/1\.1\r\n/)
    expect(recorded.join('')).not.toContain('POST')
  })

  it("relays /health and /registry as JSON only: another service's page is never served on the dev server's origin", async () => {
    const res = await fetch(`http://127.0.0.1:${DEV}/api/peer/${HTML}/health`)
    expect(res.headers.get('content-type')).toBe('application/json')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('content-security-policy')).toMatch(/sandbox/)
  })

  it('a port that dies mid-answer ends the client\'s answer too', async () => {
    const res = await fetch(`http://127.0.0.1:${DEV}/api/peer/${DIES}/health`)
    // Read to the end: the answer promised 100 bytes and sent 5. Before, the client waited forever.
    const outcome = await res.text().then(() => 'complete', (e: Error) => `failed: ${e.message}`)
    expect(outcome).toMatch(/^failed/)
    await alive()
  })
})

/** The relay alone on BARE, sending every upgrade to BEHIND. */
const bareRelay = async (scope: Scope, relay: WsRelay): Promise<void> => {
  const http = createHttpServer()
  http.on('upgrade', (req, socket, head) => relay.handle(req, socket, head, BEHIND, '/room'))
  await new Promise<void>((r) => http.listen(BARE, '127.0.0.1', r))
  scope.defer(() => (relay.closeAll(), http.closeAllConnections(), new Promise((r) => http.close(r))))
}

describe('the WebSocket relay against ports that are no peers', () => {
  it("passes on the 101's handshake headers only, and the client's early bytes only after it", async () => {
    const scope = testScope()
    let seen = ''
    let beforeSwitch = ''
    await service(scope, BEHIND, (s) => {
      s.on('data', (d) => (seen += d.toString('latin1')))
      // The 101 a moment after the request: early bytes relayed with the request would be here by then.
      s.once('data', () => setTimeout(() => ((beforeSwitch = seen), s.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSet-Cookie: sid=tossed; Domain=localhost\r\nSec-WebSocket-Accept: abc\r\nSec-WebSocket-Protocol: peer-plan\r\n\r\n')), 100))
    })
    await bareRelay(scope, new WsRelay())
    const got = await exchange(BARE, upgrade('/api/peer/x/room') + 'EARLY', (text, c) => text.includes('\r\n\r\n') && c.end())
    expect(got).toMatch(/^HTTP\/1\.1 101 /)
    expect(got).toMatch(/Sec-WebSocket-Accept: abc\r\n/)
    expect(got).toMatch(/Sec-WebSocket-Protocol: peer-plan\r\n/)
    expect(got).not.toMatch(/Set-Cookie/i)
    expect(beforeSwitch).toMatch(/^GET \/room HTTP\/1\.1\r\n/)
    expect(beforeSwitch).not.toContain('EARLY')
    await waitFor(() => seen.endsWith('EARLY'), 'the early bytes to follow the switch')
  })

  it('a port that takes the connection and never answers is cut after the handshake deadline', async () => {
    const scope = testScope()
    await service(scope, BEHIND, () => {})
    await bareRelay(scope, new WsRelay({ handshakeMs: 300 }))
    // Before the deadline existed, this exchange never ended (the test's own timeout).
    expect(await exchange(BARE, upgrade('/api/peer/x/room'))).toMatch(/^HTTP\/1\.1 504 /)
  })
})
