/**
 * Peers prove the mesh secret to each other inside the WebSocket upgrade, without sending it and
 * without an extra round trip:
 *
 *   dialler -> server  X-Peer-Plan-Link: v1 <dialler id> <server id> <ms timestamp> <nonce> <mac>
 *                      mac = HMAC-SHA256(key, "peer-plan link v1|<dialler id>|<server id>|<ts>|<nonce>")
 *   server -> dialler  X-Peer-Plan-Link-Proof: HMAC-SHA256(key, "peer-plan link-ack v1|<server id>|<nonce>")
 *
 * In place of a server challenge (which would cost a round trip before every link), the dialler binds
 * its proof to the server's id, a timestamp within WINDOW_MS and a fresh nonce, and the server remembers
 * the nonces it accepted for that window, so a recorded header cannot be replayed. The proof in the 101
 * answer shows the dialler that the server holds the key too, before it takes a single update from it.
 * MACs are compared in constant time.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { isPeerId } from '../shared/peer-id.js'

export const LINK_HEADER = 'x-peer-plan-link'
export const PROOF_HEADER = 'x-peer-plan-link-proof'
export const WINDOW_MS = 5 * 60_000

const mac = (key: Buffer, text: string): string => createHmac('sha256', key).update(text).digest('hex')

export const safeEqualHex = (a: string, b: string): boolean => {
  const x = Buffer.from(a, 'hex')
  const y = Buffer.from(b, 'hex')
  return x.length === y.length && x.length > 0 && a.length === x.length * 2 && timingSafeEqual(x, y)
}

export interface LinkRequest {
  header: string
  nonce: string
}

export const signLink = (key: Buffer, dialler: string, server: string, now = Date.now()): LinkRequest => {
  const nonce = randomBytes(16).toString('hex')
  return { header: `v1 ${dialler} ${server} ${now} ${nonce} ${mac(key, `peer-plan link v1|${dialler}|${server}|${now}|${nonce}`)}`, nonce }
}

export const proofFor = (key: Buffer, server: string, nonce: string): string => mac(key, `peer-plan link-ack v1|${server}|${nonce}`)

export const checkProof = (key: Buffer, server: string, nonce: string, proof: string | undefined): boolean =>
  typeof proof === 'string' && safeEqualHex(proof, proofFor(key, server, nonce))

export type LinkVerdict = { ok: true; peerId: string; nonce: string } | { ok: false; reason: string }

/** Checks a dialler's header; one instance per server, since it remembers the nonces it has taken. */
export class LinkVerifier {
  private readonly seen = new Map<string, number>()

  constructor(
    private readonly key: Buffer,
    private readonly selfId: string,
    private readonly maxNonces = 100_000
  ) {}

  verify(header: string | undefined, now = Date.now()): LinkVerdict {
    const parts = (header ?? '').split(' ')
    if (parts.length !== 6 || parts[0] !== 'v1') return { ok: false, reason: 'malformed link header' }
    const [, dialler, server, tsText, nonce, given] = parts as [string, string, string, string, string, string]
    if (!isPeerId(dialler) || server !== this.selfId) return { ok: false, reason: 'link header names another peer' }
    const ts = Number(tsText)
    if (!Number.isSafeInteger(ts) || Math.abs(now - ts) > WINDOW_MS) return { ok: false, reason: 'link header is stale' }
    if (!/^[0-9a-f]{32}$/.test(nonce) || this.seen.has(nonce)) return { ok: false, reason: 'link nonce reused' }
    if (!safeEqualHex(given, mac(this.key, `peer-plan link v1|${dialler}|${server}|${ts}|${nonce}`))) return { ok: false, reason: 'wrong mesh key' }
    this.remember(nonce, now)
    return { ok: true, peerId: dialler, nonce }
  }

  private remember(nonce: string, now: number): void {
    if (this.seen.size >= this.maxNonces) {
      for (const [n, at] of this.seen) if (now - at > WINDOW_MS) this.seen.delete(n)
      // Still full of fresh nonces: the oldest go first (Map keeps insertion order).
      for (const n of this.seen.keys()) {
        if (this.seen.size < this.maxNonces) break
        this.seen.delete(n)
      }
    }
    this.seen.set(nonce, now)
  }
}
