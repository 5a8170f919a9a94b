/**
 * Connection slots (issue #10, bounds): a stranger (no token, no link proof) has a budget of its own,
 * per address and in total, so however many sockets it opens, a new peer still joins and a person still
 * opens rooms; what is over a budget is refused with a code that says which. Real peer processes.
 */
import { describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { CLOSE_CODES } from '../src/shared/protocol.js'
import { DEFAULT_LIMITS } from '../src/node/room-limits.js'
import { directoryClient } from './helpers/directory-client.js'
import { PORTS, range } from './helpers/ports.js'
import { registryIds, spawnPeer, tempHome, tokenProtocols, waitFor, type PeerProc } from './helpers/peers.js'
import { roomClient } from './helpers/rooms.js'
import { suiteScope, type Scope } from './helpers/scope.js'

const args = ['--ports', range(PORTS.trustLimits)]

/** What became of one socket: 'open' (kept until the scope ends), the HTTP status of a refusal, or a page's close code. */
type Outcome = 'open' | { status: number } | { code: number }

interface SocketOptions {
  from: string
  room?: string
  token?: string
  /** Look like peer-plan's page client (an Origin and the peer-plan subprotocol): refusals come as close codes. */
  page?: boolean
}

const socket = (peer: PeerProc, scope: Scope, { from, room = '_directory', token, page }: SocketOptions): Promise<Outcome> => {
  const protocols = token ? tokenProtocols({ token }) : page ? ['peer-plan'] : []
  const headers = page ? { Origin: `http://127.0.0.1:${peer.port}` } : {}
  const ws = new WebSocket(`${peer.url.replace('http', 'ws')}/${room}`, protocols, { localAddress: from, headers })
  scope.defer(() => ws.terminate())
  ws.on('error', () => {})
  return new Promise((resolve) => {
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode! }))
    ws.once('open', () => {
      if (!page) return resolve('open')
      // A page's refusal: the handshake succeeds, then the peer closes with a code before sending anything.
      ws.once('message', () => resolve('open'))
      ws.once('close', (code) => resolve({ code }))
    })
  })
}

const many = (n: number, open: () => Promise<Outcome>) => Promise.all(Array.from({ length: n }, open))

describe('connection slots', () => {
  const scope = suiteScope()
  let a: PeerProc
  let home: string

  it('starts a peer', async () => {
    home = tempHome(scope)
    a = await spawnPeer({ home, scope, args })
  })

  it('a stranger filling its budget takes no slot of a peer link or a person', async () => {
    const { maxStrangerConnsPerAddress: perAddress, maxStrangerConns: total } = DEFAULT_LIMITS
    // A local stranger: every local process connects from 127.0.0.1.
    expect(await many(perAddress, () => socket(a, scope, { from: '127.0.0.1' }))).toEqual(Array(perAddress).fill('open'))
    expect(await socket(a, scope, { from: '127.0.0.1' })).toEqual({ status: 429 })
    expect(await socket(a, scope, { from: '127.0.0.1', page: true })).toEqual({ code: CLOSE_CODES.hostFull })
    // More strangers from other addresses, up to the strangers' total: then any further stranger is refused.
    for (let i = 0; (i + 1) * perAddress < total; i++) {
      expect(await many(perAddress, () => socket(a, scope, { from: `127.0.0.${i + 2}` }))).toEqual(Array(perAddress).fill('open'))
    }
    expect(await socket(a, scope, { from: '127.0.0.99' })).toEqual({ status: 503 })
    expect(await socket(a, scope, { from: '127.0.0.99', page: true })).toEqual({ code: CLOSE_CODES.peerFull })
    // Peers and people are never refused because of strangers.
    const b = await spawnPeer({ home, scope, args })
    await waitFor(async () => (await registryIds(a)).includes(b.id) && (await registryIds(b)).includes(a.id), 'a new peer to join the mesh')
    const room = roomClient(a, 'while-crowded', scope)
    await waitFor(() => room.provider.synced, 'a person to open a room')
    expect((await directoryClient(a.url, { token: a.token })).doc.getMap('peers').has(b.id)).toBe(true)
    expect(await socket(a, scope, { from: '127.0.0.1', room: 'while-crowded', token: a.token })).toBe('open')
    expect(await socket(a, scope, { from: '127.0.0.1', page: true, token: a.token })).toBe('open')
  })

  it("people have a per-address bound of their own, refused with its code", async () => {
    const { maxConnsPerAddress } = DEFAULT_LIMITS
    const from = '127.0.0.200'
    expect(await many(maxConnsPerAddress, () => socket(a, scope, { from, room: 'crowded', token: a.token }))).toEqual(Array(maxConnsPerAddress).fill('open'))
    expect(await socket(a, scope, { from, room: 'crowded', token: a.token })).toEqual({ status: 429 })
    expect(await socket(a, scope, { from, room: 'crowded', token: a.token, page: true })).toEqual({ code: CLOSE_CODES.hostFull })
  })
})
