/**
 * A peer proves the mesh key to a page before the page shows it the access token:
 *
 *   page -> peer   GET /registry?proof=<nonce>   (or /health; nonce: 32 lowercase hex, fresh each time)
 *   peer -> page   the usual JSON plus "proof": hex HMAC-SHA256(token, "peer-plan peer-proof v1|<nonce>|http://<Host>")
 *
 * Keyed by the token (its 64 hex digits as ASCII bytes), which only holders of the mesh key can derive,
 * so a process without the key that took the range's first port (or a dead peer's) cannot answer it.
 * Bound to the base URL the page asked, as the peer saw it in Host: a relay that passes the nonce on to
 * a real peer gets a proof for that peer's own URL, which is not the one the page asked (peers refuse a
 * Host that is not theirs). Browser-safe: WebCrypto only (globalThis.crypto, in Chromium and Node 20).
 */

export const PROOF_PARAM = 'proof'

/** What the HMAC covers; `base` is `http://host:port` exactly as the page asked (the peer: its Host header). */
export const peerProofMessage = (nonce: string, base: string): string => `peer-plan peer-proof v1|${nonce}|${base}`

export const isProofNonce = (nonce: unknown): nonce is string => typeof nonce === 'string' && /^[0-9a-f]{32}$/.test(nonce)

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')

/** 128 random bits as 32 lowercase hex digits: a nonce no answer recorded before can match. */
export const freshNonce = (): string => hex(globalThis.crypto.getRandomValues(new Uint8Array(16)))

const PROOF_SHAPE = /^[0-9a-f]{64}$/

/**
 * Whether `proof` is the MAC of (nonce, base) under `token`. WebCrypto's verify compares the MACs
 * itself (in constant time in Chromium's BoringSSL and Node's OpenSSL); a proof of any other shape is
 * false without a MAC computed.
 */
export const provesKey = async (token: string, nonce: string, base: string, proof: unknown): Promise<boolean> => {
  if (typeof proof !== 'string' || !PROOF_SHAPE.test(proof)) return false
  const subtle = globalThis.crypto.subtle
  const enc = new TextEncoder()
  const key = await subtle.importKey('raw', enc.encode(token), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify'])
  const mac = new Uint8Array(32)
  for (let i = 0; i < 32; i++) mac[i] = parseInt(proof.slice(i * 2, i * 2 + 2), 16)
  return subtle.verify('HMAC', key, mac, enc.encode(peerProofMessage(nonce, base)))
}

/**
 * A page's proof of the token for one HTTP request, in place of the token itself:
 *
 *   Authorization: PeerPlanProof v1 <ms timestamp> <nonce> <hex HMAC-SHA256(token, "peer-plan request-proof v1|<ts>|<nonce>|<url>")>
 *
 * where url is http://<Host><path> (no query) as the page asked. Whatever answers that URL (a process
 * that took a dead peer's port before the page heard of its death) learns a MAC for its own URL, which
 * a peer takes once, within a minute, and only for a Host that names the socket it came in on.
 */
export const REQUEST_PROOF_SCHEME = 'PeerPlanProof'

export const requestProofMessage = (ts: number, nonce: string, url: string): string => `peer-plan request-proof v1|${ts}|${nonce}|${url}`

/** The Authorization value for a request to `url` (http://host:port/path), signed with WebCrypto. */
export const signRequest = async (token: string, url: string, now = Date.now()): Promise<string> => {
  const enc = new TextEncoder()
  const nonce = freshNonce()
  const key = await globalThis.crypto.subtle.importKey('raw', enc.encode(token), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  const mac = new Uint8Array(await globalThis.crypto.subtle.sign('HMAC', key, enc.encode(requestProofMessage(now, nonce, url))))
  return `${REQUEST_PROOF_SCHEME} v1 ${now} ${nonce} ${hex(mac)}`
}
