/**
 * A page's refused upgrade (no token, a bad name) is let in and closed with a code it can read
 * (upgrade.ts deny). Whatever the client sends before the peer lets go still reaches ws's frame parser,
 * and a bad frame makes ws emit 'error' on the WebSocket: with no listener on it, that threw, and one
 * request from any local process, without the token, killed the peer (uncaught: "MASK must be set").
 */
import { connect } from 'node:net'
import { describe, expect, it } from 'vitest'
import { plainGet } from './helpers/capped-server.js'
import { spawnPeer, tempHome } from './helpers/peers.js'
import { PORTS } from './helpers/ports.js'

// The range but its last port, which test/startup-window.test.ts takes.
const SPAWN_RANGE = `${PORTS.review31b[0]}-${PORTS.review31b[1] - 1}`
/** A client's frame must be masked; this text frame is not, so ws's parser fails on it (1002). */
const UNMASKED = Buffer.from([0x81, 0x02, 0x68, 0x69])

/** A page-style upgrade to `path` with no token, then the unmasked frame: with the head, or once the 101 came. Resolves with the answer's first line. */
const badFrameAfterRefusal = (port: number, path: string, withHead: boolean): Promise<string> =>
  new Promise((resolve) => {
    const head = Buffer.from(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: http://127.0.0.1:${port}\r\nConnection: Upgrade\r\n` +
        'Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: peer-plan\r\n\r\n'
    )
    const s = connect(port, '127.0.0.1', () => s.write(withHead ? Buffer.concat([head, UNMASKED]) : head))
    let got = ''
    s.on('data', (d: Buffer) => {
      const first = !got.includes('\r\n\r\n')
      got += d.toString('latin1')
      if (!withHead && first && got.includes('\r\n\r\n')) s.write(UNMASKED)
    })
    s.on('error', () => {})
    s.once('close', () => resolve(got.split('\r\n')[0] ?? ''))
  })

describe('a refused page upgrade that sends a bad frame', () => {
  it('costs that socket, never the peer', async () => {
    const peer = await spawnPeer({ home: tempHome(), args: ['--ports', SPAWN_RANGE] })
    // No token (4401) and a bad room name (4404), each with the frame in the upgrade's head and after the 101.
    for (const path of ['/some-room', '/.bad']) {
      for (const withHead of [true, false]) expect(await badFrameAfterRefusal(peer.port, path, withHead)).toBe('HTTP/1.1 101 Switching Protocols')
    }
    expect(await plainGet(peer.port, '/health')).toBe(200)
    expect(peer.proc.exitCode).toBeNull()
  })
})
