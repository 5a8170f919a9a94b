/**
 * Peers prove the mesh secret to each other inside the WebSocket upgrade, without sending it and
 * without an extra round trip:
 *
 *   dialler -> server  X-Peer-Plan-Link: v2 <dialler id> <server id> <server url> <ms timestamp> <nonce> <mac>
 *                      mac = HMAC-SHA256(key, "peer-plan link v2|<dialler id>|<server id>|<server url>|<ts>|<nonce>")
 *   server -> dialler  X-Peer-Plan-Link-Proof: HMAC-SHA256(key, "peer-plan link-ack v1|<server id>|<nonce>")
 *
 * In place of a server challenge (which would cost a round trip before every link), the dialler binds
 * its proof to the server's id, the URL it dialled, a timestamp within WINDOW_MS and a fresh nonce, and
 * the server remembers the nonces it accepted for that window, so a recorded header cannot be replayed.
 * The URL is what stops a relay: v1 named the id only, so a process without the key that a peer dialled
 * as X (an mDNS hint naming X's id at the relay's port) could pass the header on to the real X and hold
 * a peer link to it. Now X takes a proof only for a URL it answers to, and the relay's is not one.
 * The proof in the 101 answer shows the dialler that the server holds the key too, before it takes a
 * single update from it. MACs are compared in constant time.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { isPeerId } from '../shared/peer-id.js'
import { NonceWindow } from './nonce-window.js'

export const LINK_HEADER = 'x-peer-plan-link'
export const PROOF_HEADER = 'x-peer-plan-link-proof'
export const WINDOW_MS = 5 * 60_000
/**
 * Sent beside a link header by a peer that opens a room for its agent's tool (read_room, write_room, a
 * catch-up): the server counts that connection as a client's, whose interest links the room to its
 * homes (room-links.ts), and not as a room link of its own. Outside the MAC: it grants nothing a proven
 * peer could not do anyway.
 */
export const ROOM_CLIENT_HEADER = 'x-peer-plan-room-client'

/** hex HMAC-SHA256: every MAC a peer makes or checks (link proofs, the access token, proofs to pages). */
export const mac = (key: Buffer | string, text: string): string => createHmac('sha256', key).update(text).digest('hex')

export const safeEqualHex = (a: string, b: string): boolean => {
  const x = Buffer.from(a, 'hex')
  const y = Buffer.from(b, 'hex')
  return x.length === y.length && x.length > 0 && a.length === x.length * 2 && timingSafeEqual(x, y)
}

export interface LinkRequest {
  header: string
  nonce: string
}

/** A peer URL as it goes in the header: http, no space, bounded. */
const URL_SHAPE = /^http:\/\/[!-~]{1,200}$/

/** `url`: the server's URL as the dialler dials it (the `url` of its directory entry). */
export const signLink = (key: Buffer, dialler: string, server: string, url: string, now = Date.now()): LinkRequest => {
  const nonce = randomBytes(16).toString('hex')
  return { header: `v2 ${dialler} ${server} ${url} ${now} ${nonce} ${mac(key, `peer-plan link v2|${dialler}|${server}|${url}|${now}|${nonce}`)}`, nonce }
}

export const proofFor = (key: Buffer, server: string, nonce: string): string => mac(key, `peer-plan link-ack v1|${server}|${nonce}`)

export const checkProof = (key: Buffer, server: string, nonce: string, proof: string | undefined): boolean =>
  typeof proof === 'string' && safeEqualHex(proof, proofFor(key, server, nonce))

/** One dial's half of the handshake: the headers to send, and whether the 101 answer proves the key. */
export interface LinkDial {
  headers: Record<string, string>
  proves(answer: IncomingHttpHeaders): boolean
}

/** A fresh proof (its nonce is taken once) for one connection to a room of `server`, as a client there. */
export const dialRoomAsClient = (key: Buffer, dialler: string, server: string, url: string): LinkDial => {
  const auth = signLink(key, dialler, server, url)
  return {
    headers: { [LINK_HEADER]: auth.header, [ROOM_CLIENT_HEADER]: '1' },
    proves: (answer) => checkProof(key, server, auth.nonce, answer[PROOF_HEADER] as string | undefined)
  }
}

/** `host`: the `host:port` of the server URL the proof names (the access check binds it to the socket, http-guards.ts hostNamesSocket). */
export type LinkVerdict = { ok: true; peerId: string; nonce: string; host: string } | { ok: false; reason: string }

/** `host:port` of a URL as a Host header names it (port 80 when it has none), or null. */
const hostOf = (url: string): string | null => {
  if (!URL.canParse(url)) return null
  const u = new URL(url)
  return `${u.hostname}:${u.port || '80'}`
}

/**
 * Checks a dialler's header; one instance per server, since it remembers the nonces it has taken.
 * `serves(host)`: whether this server answers to that `host:port` (its Host check: its own ports, the
 * loopback names, and in lan scope its interface addresses). A relay listens on a port of its own.
 */
export class LinkVerifier {
  private readonly nonces: NonceWindow

  constructor(
    private readonly key: Buffer,
    private readonly selfId: string,
    private readonly serves: (host: string) => boolean,
    maxNonces = 100_000
  ) {
    this.nonces = new NonceWindow(WINDOW_MS, maxNonces)
  }

  verify(header: string | undefined, now = Date.now()): LinkVerdict {
    const parts = (header ?? '').split(' ')
    if (parts[0] === 'v1') return { ok: false, reason: 'link header of an older peer-plan (v1): that peer needs updating' }
    if (parts.length !== 7 || parts[0] !== 'v2') return { ok: false, reason: 'malformed link header' }
    const [, dialler, server, url, tsText, nonce, given] = parts as [string, string, string, string, string, string, string]
    if (!isPeerId(dialler) || server !== this.selfId) return { ok: false, reason: 'link header names another peer' }
    const host = URL_SHAPE.test(url) ? hostOf(url) : null
    if (host === null || !this.serves(host)) return { ok: false, reason: 'link header was made for another URL (relayed?)' }
    const ts = Number(tsText)
    if (!this.nonces.fresh(ts, now)) return { ok: false, reason: 'link header is stale' }
    if (!/^[0-9a-f]{32}$/.test(nonce) || this.nonces.has(nonce)) return { ok: false, reason: 'link nonce reused' }
    if (!safeEqualHex(given, mac(this.key, `peer-plan link v2|${dialler}|${server}|${url}|${ts}|${nonce}`))) return { ok: false, reason: 'wrong mesh key' }
    this.nonces.take(nonce, now)
    return { ok: true, peerId: dialler, nonce, host }
  }
}
