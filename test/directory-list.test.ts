/**
 * A peer's directory socket opened with `?registry` (shared/protocol.ts LIST_PARAM), asked of the real
 * CLI: its first frame is the /registry answer as text (proved for a nonce, as /registry?proof= is),
 * then the directory as y-websocket frames; refusals reach a page as close codes it can read.
 */
import { connect } from 'node:net'
import { describe, expect, it, onTestFinished } from 'vitest'
import { WebSocket } from 'ws'
import * as Y from 'yjs'
import { provesKey } from '../src/shared/peer-proof.js'
import { CLOSE_CODES } from '../src/shared/protocol.js'
import { handleMessage } from '../src/shared/wire.js'
import { PORTS, range } from './helpers/ports.js'
import { spawnPeer, tempHome, tokenProtocols, type PeerProc } from './helpers/peers.js'

const R = PORTS.directoryList
const NONCE = '0123456789abcdef0123456789abcdef'

interface Opened {
  /** Frames as they came: text as strings, binary as bytes. */
  frames: Array<string | Uint8Array>
  /** The close code, or the HTTP status of a refused upgrade. */
  code?: number
  reason?: string
  status?: number
}

/** Opens `path` on `peer` as a page would (Origin, the `peer-plan` subprotocol unless `protocols`); resolves once it ends or has `frames` frames. */
const open = (peer: PeerProc, path: string, opts: { origin?: string; protocols?: string[]; frames?: number; host?: string } = {}): Promise<Opened> =>
  new Promise((resolve) => {
    const out: Opened = { frames: [] }
    const ws = new WebSocket(`${peer.url.replace('http', 'ws')}${path}`, opts.protocols ?? ['peer-plan'], { headers: { Origin: opts.origin ?? `http://127.0.0.1:${R[1]}`, ...(opts.host ? { Host: opts.host } : {}) } })
    onTestFinished(() => ws.terminate())
    ws.on('message', (data: Buffer, binary: boolean) => {
      out.frames.push(binary ? new Uint8Array(data) : data.toString())
      if (out.frames.length === (opts.frames ?? 2)) resolve(out)
    })
    ws.on('unexpected-response', (_req, res) => resolve({ ...out, status: res.statusCode }))
    ws.on('close', (code, reason) => resolve({ ...out, code, reason: reason.toString() }))
    ws.on('error', () => {})
  })

const registry = async (peer: PeerProc, query = '', headers: Record<string, string> = {}) => (await fetch(`${peer.url}/registry${query}`, { headers })).text()

describe('a directory socket asked with ?registry', () => {
  it('sends the /registry answer first, as text, then the directory that holds the same peers', async () => {
    const peer = await spawnPeer({ home: tempHome(), args: ['--ports', range(R)] })
    const got = await open(peer, '/_directory?registry')
    expect(got.frames[0]).toBe(await registry(peer))
    // The next frame is the directory's push (sync step 2), whatever the list said.
    const doc = new Y.Doc()
    handleMessage({ doc, awareness: null, origin: null }, got.frames[1] as Uint8Array)
    expect([...doc.getMap('peers').keys()]).toEqual([peer.id])
    // Without the query nothing changes: the directory comes first.
    expect((await open(peer, '/_directory', { frames: 1 })).frames[0]).toBeInstanceOf(Uint8Array)
    // A person's list is a person's (the token in the subprotocol), as GET /registry with it.
    const person = await open(peer, '/_directory?registry', { protocols: tokenProtocols(peer) })
    expect(person.frames[0]).toBe(await registry(peer, '', { Authorization: `Bearer ${peer.token}` }))
  })

  it('proves the key for a nonce and the URL asked; a bad nonce is refused, as a close code to a page', async () => {
    const peer = await spawnPeer({ home: tempHome(), args: ['--ports', range(R)] })
    const text = (await open(peer, `/_directory?registry&proof=${NONCE}`)).frames[0] as string
    expect(text.replace(/,"proof":"[0-9a-f]{64}"}$/, '}')).toBe(await registry(peer))
    const proof = (JSON.parse(text) as { proof: string }).proof
    expect(await provesKey(peer.token, NONCE, peer.url, proof)).toBe(true)
    expect(await provesKey(peer.token, NONCE, `http://127.0.0.1:${R[0] + 1}`, proof)).toBe(false)
    for (const bad of ['', 'xyz', NONCE.toUpperCase()]) {
      const refused = await open(peer, `/_directory?registry&proof=${bad}`)
      expect(refused).toMatchObject({ frames: [], code: CLOSE_CODES.badRequest })
      expect(refused.reason).toMatch(/32 lowercase hex/)
      // A client that is not a page (no subprotocol) reads the HTTP status.
      expect(await open(peer, `/_directory?registry&proof=${bad}`, { protocols: [] })).toMatchObject({ frames: [], status: 400 })
    }
    // A Host that does not name the socket (what a relay on [::1]:P would pass on): no proof for it.
    const relayed = await open(peer, `/_directory?registry&proof=${NONCE}`, { host: `[::1]:${peer.port}` })
    expect(relayed).toMatchObject({ frames: [], code: CLOSE_CODES.badRequest })
    expect(relayed.reason).toMatch(/Host does not name/)
    expect(await open(peer, `/_directory?registry&proof=${NONCE}`, { host: `[::1]:${peer.port}`, protocols: [] })).toMatchObject({ frames: [], status: 421 })
  })

  it("a refused Origin: a page's list socket is closed with 4403 before any frame; another client gets the 403", async () => {
    const peer = await spawnPeer({ home: tempHome(), args: ['--ports', range(R)] })
    const page = await open(peer, '/_directory?registry', { origin: 'http://evil.example' })
    expect(page).toMatchObject({ frames: [], code: CLOSE_CODES.origin })
    expect(await open(peer, '/_directory?registry', { origin: 'http://evil.example', protocols: [] })).toMatchObject({ frames: [], status: 403 })
    // Only a join's list socket: a room or a plain directory socket keeps the 403 (a page retries those).
    expect(await open(peer, '/some-room', { origin: 'http://evil.example', protocols: tokenProtocols(peer) })).toMatchObject({ frames: [], status: 403 })
    expect(await open(peer, '/_directory', { origin: 'http://evil.example' })).toMatchObject({ frames: [], status: 403 })
  })

  it('the list leaves in the same write as the 101 (one read holds both)', async () => {
    const peer = await spawnPeer({ home: tempHome(), args: ['--ports', range(R)] })
    const socket = connect(peer.port, '127.0.0.1')
    onTestFinished(() => void socket.destroy())
    socket.on('error', () => {})
    const first = new Promise<Buffer>((resolve) => socket.once('data', resolve))
    socket.write(
      [
        'GET /_directory?registry HTTP/1.1',
        `Host: 127.0.0.1:${peer.port}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
        'Sec-WebSocket-Version: 13',
        'Sec-WebSocket-Protocol: peer-plan',
        `Origin: http://127.0.0.1:${R[1]}`,
        '',
        ''
      ].join('\r\n')
    )
    const chunk = (await first).toString('latin1')
    expect(chunk).toMatch(/^HTTP\/1\.1 101 /)
    expect(chunk.slice(chunk.indexOf('\r\n\r\n'))).toContain(await registry(peer))
  })
})
