/**
 * What a person's browser shows to get full access: a token derived from the mesh secret, so every peer
 * of the mesh accepts the same one and none has to store it. It travels in a WebSocket subprotocol
 * (`peer-plan.token.<token>`, what peer-plan's own client sends) or, for a stock y-websocket client,
 * as `params: { token }`; on HTTP as `Authorization: Bearer <token>`. The dashboard URL carries it in
 * the fragment, which a browser never sends to a server.
 */
import type { IncomingMessage } from 'node:http'
import { peerProofMessage } from '../shared/peer-proof.js'
import { mac, safeEqualHex } from './link-auth.js'

export const TOKEN_PROTOCOL_PREFIX = 'peer-plan.token.'
export const BASE_PROTOCOL = 'peer-plan'

export const accessToken = (key: Buffer): string => mac(key, 'peer-plan access-token v1')

/**
 * A peer's proof to a page that it holds the key (shared/peer-proof.ts): the same bytes WebCrypto checks
 * in the page, computed with node:crypto (link-auth.ts `mac`), which the peer has loaded anyway.
 */
export const peerProof = (token: string, nonce: string, base: string): string => mac(token, peerProofMessage(nonce, base))

/** The token in `Authorization: Bearer <token>`, the one place plain HTTP carries it. */
export const bearerToken = (req: IncomingMessage): string | undefined => {
  const auth = req.headers.authorization
  return auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined
}

/** The token a request offers, from any of the places it may travel; undefined when none. */
export const offeredToken = (req: IncomingMessage, url: URL): string | undefined => {
  const protocols = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim())
  const fromProtocol = protocols.find((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX))?.slice(TOKEN_PROTOCOL_PREFIX.length)
  return fromProtocol ?? bearerToken(req) ?? url.searchParams.get('token') ?? undefined
}

export const tokenMatches = (expected: string, offered: string | undefined): boolean => offered !== undefined && safeEqualHex(offered, expected)

export const dashboardUrl = (base: string, token: string | null): string => (token ? `${base}/#token=${token}` : `${base}/`)
