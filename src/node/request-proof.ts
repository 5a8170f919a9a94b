/**
 * A peer's check of a page's request proof (shared/peer-proof.ts `signRequest`): the dashboard shows
 * it on `GET /events` instead of `Authorization: Bearer <token>`, so a process that answers a dead
 * peer's URL is never sent the token. Taken once (a nonce window of a minute) and only for a Host that
 * names the socket the request came in on, so a recorded proof works nowhere else.
 */
import type { IncomingMessage } from 'node:http'
import { isProofNonce, REQUEST_PROOF_SCHEME, requestProofMessage } from '../shared/peer-proof.js'
import type { SocketAddress } from './http-guards.js'
import { mac, safeEqualHex } from './link-auth.js'
import { NonceWindow } from './nonce-window.js'

export const REQUEST_PROOF_WINDOW_MS = 60_000

export class RequestProofs {
  private readonly nonces = new NonceWindow(REQUEST_PROOF_WINDOW_MS)

  /** `namesSocket`: whether a Host names the socket a request came in on (http-guards.ts hostNamesSocket). */
  constructor(
    private readonly token: string,
    private readonly namesSocket: (host: string, socket: SocketAddress) => boolean
  ) {}

  /** Whether `req` shows a fresh, unseen proof of the token for its own URL; takes its nonce if so. */
  verify(req: IncomingMessage, now = Date.now()): boolean {
    const auth = req.headers.authorization
    if (typeof auth !== 'string' || !auth.startsWith(`${REQUEST_PROOF_SCHEME} `)) return false
    const parts = auth.split(' ')
    if (parts.length !== 5 || parts[1] !== 'v1') return false
    const [, , tsText, nonce, given] = parts as [string, string, string, string, string]
    const host = req.headers.host
    const ts = Number(tsText)
    if (!host || !this.namesSocket(host, req.socket) || !this.nonces.fresh(ts, now) || !isProofNonce(nonce) || this.nonces.has(nonce)) return false
    const path = (req.url ?? '/').split('?')[0]!
    const expected = mac(this.token, requestProofMessage(ts, nonce, `http://${host}${path}`))
    if (!safeEqualHex(given, expected)) return false
    this.nonces.take(nonce, now)
    return true
  }
}
