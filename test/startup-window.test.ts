/**
 * A peer binds its port, then loads its key and builds its routes (awaits between), and only then
 * answers requests. A request that came in between had no one to answer it: Node's parser took it whole,
 * so no server timeout applied, and it hung until the client gave up (curl waited ten minutes), holding
 * a busy slot of the connection cap (conn-cap.ts). Clients that come early: another peer's probe of the
 * range, a page polling for peers. Asked of the real CLI with a fresh home (its key is made then).
 */
import { connect } from 'node:net'
import { describe, expect, it } from 'vitest'
import { startPeer } from '../scripts/lib/spawn-peer.mjs'
import { tempHome, waitFor } from './helpers/peers.js'
import { PORTS } from './helpers/ports.js'
import { testScope } from './helpers/scope.js'

type Outcome = 'refused' | 'answered' | 'closed' | null

/** A plain GET, and a page's WebSocket upgrade (no token: once the peer serves, a 101 and a close code). */
const GET = (port: number) => `GET /health HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`
const UPGRADE = (port: number) =>
  `GET /some-room HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: http://127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
  'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: peer-plan\r\n\r\n'

/** One request: 'refused' before the bind, else what came back; null while it waits. */
const ask = (port: number, head: string, outcomes: Outcome[]): void => {
  const i = outcomes.push(null) - 1
  const s = connect(port, '127.0.0.1', () => s.write(head))
  s.on('error', () => {})
  s.once('data', () => (outcomes[i] = 'answered'))
  s.once('close', (hadError) => (outcomes[i] ??= hadError ? 'refused' : 'closed'))
  testScope().defer(() => s.destroy())
}

describe('a request while the peer starts', () => {
  // An Upgrade request went to the cap's 'upgrade' listener (idle-connections.ts) and no other: it hung.
  for (const [kind, port, head] of [
    ['a GET', PORTS.redTeam31[1], GET],
    ['an upgrade', PORTS.review31b[1], UPGRADE]
  ] as const) {
    it(`${kind} is answered or closed, never left hanging`, async () => {
      const outcomes: Outcome[] = []
      const asking = setInterval(() => ask(port, head(port), outcomes), 1)
      testScope().defer(() => clearInterval(asking))
      const peer = startPeer({ home: tempHome(), args: ['--port', String(port)] })
      testScope().defer(() => peer.stop('SIGKILL'))
      await peer.ready
      clearInterval(asking)
      await waitFor(() => outcomes.every((o) => o !== null), 'every request made while it started to be answered or closed')
      expect(outcomes).toContain('answered')
    })
  }
})
