import type { IncomingMessage } from 'node:http'
import { describe, expect, it } from 'vitest'
import { signRequest } from '../../src/shared/peer-proof.js'
import { hostNamesSocket } from '../../src/node/http-guards.js'
import { REQUEST_PROOF_WINDOW_MS, RequestProofs } from '../../src/node/request-proof.js'

const TOKEN = 'a'.repeat(64)
/** A peer that holds port 1234 on both loopback families when `held` (node/family-guard.ts). */
const proofsFor = (token: string, held = false) => new RequestProofs(token, (host, socket) => hostNamesSocket(host, socket, (port) => held && port === 1234))
/** A request as the peer on 127.0.0.1:1234 sees it. */
const req = (authorization: string, host = '127.0.0.1:1234', url = '/events?after=3', socket = { localAddress: '127.0.0.1', localPort: 1234 }) =>
  ({ headers: { authorization, host }, url, socket }) as unknown as IncomingMessage

describe("a page's request proof", () => {
  it('is taken once, for its own URL, within the window, and shows no token', async () => {
    const now = Date.now()
    const auth = await signRequest(TOKEN, 'http://127.0.0.1:1234/events', now)
    expect(auth).toMatch(/^PeerPlanProof v1 \d+ [0-9a-f]{32} [0-9a-f]{64}$/)
    expect(auth).not.toContain(TOKEN)
    const proofs = proofsFor(TOKEN)
    expect(proofs.verify(req(auth), now)).toBe(true)
    // Replayed: refused.
    expect(proofs.verify(req(auth), now)).toBe(false)
  })

  it('is refused for another token, another URL, a Host the socket does not have, or out of its window', async () => {
    const now = Date.now()
    const sign = (url = 'http://127.0.0.1:1234/events', at = now) => signRequest(TOKEN, url, at)
    const proofs = proofsFor(TOKEN)
    expect(proofsFor('b'.repeat(64)).verify(req(await sign()), now)).toBe(false)
    // What a process on another port was sent, shown to the peer with its own Host or the peer's.
    expect(proofs.verify(req(await sign('http://127.0.0.1:1299/events'), '127.0.0.1:1234'), now)).toBe(false)
    expect(proofs.verify(req(await sign('http://127.0.0.1:1299/events'), '127.0.0.1:1299'), now)).toBe(false)
    // A relay on [::1]:1234 passing on what it was sent, with its own Host.
    expect(proofs.verify(req(await sign('http://[::1]:1234/events'), '[::1]:1234'), now)).toBe(false)
    expect(proofs.verify(req(await sign('http://127.0.0.1:1234/health')), now)).toBe(false)
    expect(proofs.verify(req(await sign(undefined, now - REQUEST_PROOF_WINDOW_MS - 1)), now)).toBe(false)
    for (const bad of ['', 'Bearer x', 'PeerPlanProof v2 1 2 3', 'PeerPlanProof v1 x y z', `PeerPlanProof v1 ${now} ${'0'.repeat(32)} ${'0'.repeat(64)}`]) expect(proofs.verify(req(bad), now)).toBe(false)
  })

  it('is taken for localhost only where the peer holds both loopback families of the port', async () => {
    const now = Date.now()
    const local = async () => req(await signRequest(TOKEN, 'http://localhost:1234/events', now), 'localhost:1234')
    expect(proofsFor(TOKEN, false).verify(await local(), now)).toBe(false)
    expect(proofsFor(TOKEN, true).verify(await local(), now)).toBe(true)
  })
})
