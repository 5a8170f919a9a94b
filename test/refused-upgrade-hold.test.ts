/**
 * A page's refused upgrade (no token, the room full, a bad name) is let in and closed with a code it can
 * read (upgrade.ts deny). ws's close() then waits 30 s for the client's own close frame; a socket that
 * has upgraded is never idle to the connection cap (conn-cap.ts), and a refused one holds no slot of
 * conn-slots.ts. So any local process, without the token, could fill the cap with refusals it never
 * answers and keep every page, peer link and tool out: the peer must drop a refused socket itself.
 */
import { readFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { connectionCap } from '../src/node/conn-cap.js'
import { CLOSE_CODES } from '../src/shared/protocol.js'
import { plainGet } from './helpers/capped-server.js'
import { spawnPeer, tempHome, waitFor } from './helpers/peers.js'
import { PORTS, range } from './helpers/ports.js'
import { testScope } from './helpers/scope.js'

// exec: the peer is the process sh was, so its pid is the one whose limits are read below.
const LOW_FILES = ['sh', '-c', 'ulimit -n 200 && exec "$@"', 'sh']

/** The close code of the frame after the 101 answer (a server's frame: 0x88, a length under 126, the code), or null. */
const closeCode = (got: string): number | null => {
  const frame = got.slice(got.indexOf('\r\n\r\n') + 4)
  return frame.charCodeAt(0) === 0x88 && frame.length >= 4 ? (frame.charCodeAt(2) << 8) | frame.charCodeAt(3) : null
}

/** A page-style upgrade with no token: the peer answers 101, then closes with 4401. Nothing is sent back. */
const refusedPage = (port: number, sockets: Socket[], codes: (number | null)[]): Promise<string> =>
  new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () =>
      s.write(
        `GET /some-room HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: http://127.0.0.1:${port}\r\nConnection: Upgrade\r\n` +
          'Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: peer-plan\r\n\r\n'
      )
    )
    let got = ''
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1')
      if (got.includes('\r\n\r\n')) resolve(got.split('\r\n')[0]!)
    })
    s.on('error', () => {})
    s.once('close', () => {
      resolve(got.split('\r\n')[0] ?? 'closed')
      codes.push(closeCode(got))
    })
    sockets.push(s)
  })

describe('refused page upgrades against a low-limit peer', () => {
  it('are closed by the peer, so they cannot hold its connection cap', async () => {
    const peer = await spawnPeer({ home: tempHome(), wrap: LOW_FILES, args: ['--ports', range(PORTS.redTeam31)] })
    const cap = connectionCap(readFileSync(`/proc/${peer.pid}/limits`, 'utf8'))
    const held: Socket[] = []
    const codes: (number | null)[] = []
    testScope().defer(() => held.forEach((s) => s.destroy()))
    const answers = await Promise.all(Array.from({ length: cap }, () => refusedPage(peer.port, held, codes)))
    expect(new Set(answers)).toEqual(new Set(['HTTP/1.1 101 Switching Protocols']))
    await waitFor(() => held.every((s) => s.destroyed), 'the peer to close every refused socket')
    // Each read its close frame (4401, no token) before the peer let go: what a page reads.
    expect(codes).toEqual(Array(cap).fill(CLOSE_CODES.accessToken))
    expect(await plainGet(peer.port, '/health')).toBe(200)
    expect(peer.proc.exitCode).toBeNull()
  })
})
