/**
 * What may hold a low-limit peer's connection cap for good. Upgraded sockets are never idle to the cap
 * (conn-cap.ts), so any kind a local process without the token can keep open must be bounded below it.
 * A page's refused upgrade (no token, the room full, a bad name) is let in and closed with a code it can
 * read (upgrade.ts deny); ws's close() then waited 30 s for the client's own close frame, and a refused
 * socket holds no slot of conn-slots.ts. Strangers' directory sockets are bounded (conn-slots.ts), but
 * their 128 were more than a cap of 100.
 */
import { readFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { connectionCap } from '../src/node/conn-cap.js'
import { CLOSE_CODES } from '../src/shared/protocol.js'
import { plainGet } from './helpers/capped-server.js'
import { spawnPeer, tempHome, waitFor, type PeerProc } from './helpers/peers.js'
import { PORTS } from './helpers/ports.js'
import { testScope } from './helpers/scope.js'

// exec: the peer is the process sh was, so its pid is the one whose limits are read below.
const LOW_FILES = ['sh', '-c', 'ulimit -n 200 && exec "$@"', 'sh']
// The range but its last port, which test/startup-window.test.ts takes.
const SPAWN_RANGE = `${PORTS.redTeam31[0]}-${PORTS.redTeam31[1] - 1}`

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

/** A real peer under a 200-file limit, and its cap as it reads it (the same function, fed the same /proc text). */
const lowLimitPeer = async (): Promise<{ peer: PeerProc; cap: number }> => {
  const peer = await spawnPeer({ home: tempHome(), wrap: LOW_FILES, args: ['--ports', SPAWN_RANGE] })
  return { peer, cap: connectionCap(readFileSync(`/proc/${peer.pid}/limits`, 'utf8')) }
}

/** A stranger's directory socket from `from` (a 127/8 address): 'open', or the status it was refused with. */
const strangerSocket = (port: number, from: string): Promise<string> =>
  new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/_directory`, { localAddress: from })
    testScope().defer(() => ws.terminate())
    ws.on('error', () => resolve('error'))
    ws.once('open', () => resolve('open'))
    ws.once('unexpected-response', (_req, res) => resolve(String(res.statusCode)))
  })

describe('a low-limit peer', () => {
  it("closes refused page upgrades itself, so they cannot hold its connection cap", async () => {
    const { peer, cap } = await lowLimitPeer()
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

  it("keeps strangers' directory sockets to a quarter of its cap", async () => {
    const { peer, cap } = await lowLimitPeer()
    const from = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4']
    const outcomes = (await Promise.all(from.flatMap((a) => Array.from({ length: 32 }, () => strangerSocket(peer.port, a))))).filter((o) => o === 'open')
    expect(outcomes).toHaveLength(Math.floor(cap / 4))
    // Before: 100 of them open, and every later connection closed unanswered.
    expect(await plainGet(peer.port, '/health')).toBe(200)
  })
})
