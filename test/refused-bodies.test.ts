/**
 * A refused request never has its body read: the client says Content-Length: 512 MiB and keeps
 * writing; the peer answers, closes, and stops reading. Asserted on the bytes the client got rid of
 * (kernel buffers hold a few MiB), never on time.
 */
import { request } from 'node:http'
import { connect } from 'node:net'
import { beforeAll, describe, expect, it } from 'vitest'
import { PORTS, range } from './helpers/ports.js'
import { getJson, spawnPeer, tempHome, type PeerProc } from './helpers/peers.js'
import { suiteScope } from './helpers/scope.js'

const HUGE = 512 * 1048576
/** Far above any socket buffer pair, far below 512 MiB. */
const BOUND = 64 * 1048576

let peer: PeerProc
// File-level: one peer for every case, killed (and its home removed) when the file is done.
const scope = suiteScope()
beforeAll(async () => {
  peer = await spawnPeer({ home: tempHome(scope), scope, args: ['--ports', range(PORTS.refusedBodies)] })
})

interface Streamed {
  status: string
  bytes: number
  ended: string
}

/** Sends head + a 512 MiB body over a raw socket until the peer cuts it off (or it is all sent). */
const stream = (head: string) =>
  new Promise<Streamed>((resolve, reject) => {
    const s = connect(peer.port, '127.0.0.1')
    const chunk = Buffer.alloc(256 * 1024, 0x61)
    let sent = 0
    let status = ''
    const deadline = setTimeout(() => {
      s.destroy()
      reject(new Error(`neither cut off nor finished within 60 s; ${s.bytesWritten} bytes written`))
    }, 60000)
    const done = (ended: string) => {
      clearTimeout(deadline)
      resolve({ status, bytes: s.bytesWritten, ended })
    }
    s.on('data', (d) => (status ||= d.toString('latin1').split('\r\n')[0]!))
    s.on('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message))
    s.on('close', () => done('closed'))
    s.on('connect', () => {
      s.write(head.replace(/\n/g, '\r\n') + `Content-Length: ${HUGE}\r\n\r\n`)
      const pump = (): void => {
        while (!s.destroyed && sent < HUGE) {
          sent += chunk.length
          if (!s.write(chunk)) return void s.once('drain', pump)
        }
        if (sent >= HUGE) s.end()
      }
      pump()
    })
  })

const upgrade = 'Connection: Upgrade\nUpgrade: websocket\nSec-WebSocket-Version: 13\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\n'

describe('a request with a 512 MiB body', () => {
  const host = () => `127.0.0.1:${peer.port}`
  it.each([
    ['403, foreign Host', 'POST /health HTTP/1.1\nHost: evil.test\n', '403'],
    ['403, foreign Origin', () => `POST /registry HTTP/1.1\nHost: ${host()}\nOrigin: http://evil.test\n`, '403'],
    ['404, unknown path', () => `POST /nope HTTP/1.1\nHost: ${host()}\n`, '404'],
    ['405, POST on a route', () => `POST /health HTTP/1.1\nHost: ${host()}\n`, '405'],
    ['413, GET with a body', () => `GET /health HTTP/1.1\nHost: ${host()}\n`, '413'],
    ['413, OPTIONS with a body', () => `OPTIONS /health HTTP/1.1\nHost: ${host()}\n`, '413'],
    ['403 on upgrade, foreign Host', `GET /room HTTP/1.1\nHost: evil.test\n${upgrade}`, '403'],
    ['404 on upgrade, bad room name', () => `GET /_bad HTTP/1.1\nHost: ${host()}\n${upgrade}`, '404']
  ] as const)('%s: cut off long before 512 MiB', async (_what, head, want) => {
    const r = await stream(typeof head === 'function' ? head() : head)
    process.stderr.write(`[measure] refused body (${_what}): ${(r.bytes / 1048576).toFixed(1)} MiB accepted, then ${r.ended}\n`)
    expect(r.bytes).toBeLessThan(BOUND)
    // The answer may be lost to the reset when unread bytes are pending; when it arrives it is the refusal.
    if (r.status) expect(r.status).toMatch(new RegExp(`^HTTP/1\\.1 ${want} `))
    expect((await getJson(`${peer.url}/health`)).ok).toBe(true)
  })

  it('a small body is still answered in full, and the connection closed', async () => {
    const res = await new Promise<{ status: number; connection?: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: peer.port, path: '/health', method: 'POST', headers: { 'Content-Type': 'text/plain' } }, (res) => {
        res.resume()
        res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection }))
      })
      req.on('error', reject)
      req.end('x'.repeat(100000))
    })
    expect(res).toEqual({ status: 405, connection: 'close' })
  })
})
