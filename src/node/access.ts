/**
 * Who is on the other end of a request or upgrade, by what it proves:
 *   - `peer`: a dialling peer that proved the mesh key (link-auth.ts); writes the directory;
 *   - `person`: shows the access token (access-token.ts); reads and writes rooms, reads the directory;
 *   - `stranger`: anyone else (another OS user, a LAN host, a page without the token): reads the
 *     directory and nothing else.
 * A wrong key or a wrong token is refused outright rather than demoted, so a misconfigured peer or page
 * hears about it at once.
 */
import type { IncomingMessage } from 'node:http'
import { accessToken, bearerToken, offeredToken, tokenMatches } from './access-token.js'
import type { SocketAddress } from './http-guards.js'
import { LINK_HEADER, LinkVerifier, type LinkVerdict } from './link-auth.js'
import { RequestProofs } from './request-proof.js'

export type AccessClass = 'peer' | 'person' | 'stranger'

export type AccessVerdict = { ok: true; access: AccessClass; peerId: string | null; nonce: string | null } | { ok: false; status: number; reason: string }

export interface AccessCheckOptions {
  key: Buffer
  selfId: string
  /** Whether this peer answers to a `host:port` (its Host check): a peer link's proof names such a URL (link-auth.ts). */
  servesHost: (host: string) => boolean
  /** Whether a `host:port` names the socket a request came in on (http-guards.ts hostNamesSocket): a proof's URL must. */
  namesSocket: (host: string, socket: SocketAddress) => boolean
  /** The dangerous opt-out: strangers are treated as people (full room access). Never peers. */
  strangersArePeople: boolean
}

export class AccessCheck {
  readonly token: string
  private readonly verifier: LinkVerifier
  private readonly requests: RequestProofs

  constructor(private readonly opts: AccessCheckOptions) {
    this.token = accessToken(opts.key)
    this.verifier = new LinkVerifier(opts.key, opts.selfId, opts.servesHost)
    this.requests = new RequestProofs(this.token, opts.namesSocket)
  }

  /**
   * Plain HTTP: a person shows the token as `Authorization: Bearer` (a tool), or a page a proof of it
   * for this one request (request-proof.ts); nothing else counts there.
   */
  personOverHttp(req: IncomingMessage): boolean {
    return this.opts.strangersArePeople || tokenMatches(this.token, bearerToken(req)) || this.requests.verify(req)
  }

  /**
   * Plain HTTP from a peer (POST /inbox): its link proof, bound to this peer's id and to the URL it was
   * sent to, so a process that took a dead peer's port and was sent one could use it nowhere.
   */
  peerOverHttp(req: IncomingMessage): boolean {
    return req.headers[LINK_HEADER] !== undefined && this.link(req).ok
  }

  /**
   * The request's link header, checked, and its URL bound to the socket it came in on: the Host check
   * takes every loopback spelling of each port, so a relay on [::1]:P could otherwise pass on a proof
   * made for it to the peer on 127.0.0.1:P (http-guards.ts hostNamesSocket).
   */
  private link(req: IncomingMessage): LinkVerdict {
    const header = req.headers[LINK_HEADER]
    const v = this.verifier.verify(Array.isArray(header) ? header[0] : header)
    if (v.ok && !this.opts.namesSocket(v.host, req.socket)) return { ok: false, reason: 'link header names an address this request did not come in on (relayed?)' }
    return v
  }

  classify(req: IncomingMessage, url: URL): AccessVerdict {
    if (req.headers[LINK_HEADER] !== undefined) {
      const v = this.link(req)
      return v.ok ? { ok: true, access: 'peer', peerId: v.peerId, nonce: v.nonce } : { ok: false, status: 401, reason: `peer link refused: ${v.reason}` }
    }
    const offered = offeredToken(req, url)
    if (offered !== undefined) {
      return tokenMatches(this.token, offered) ? { ok: true, access: 'person', peerId: null, nonce: null } : { ok: false, status: 401, reason: 'wrong access token' }
    }
    return { ok: true, access: this.opts.strangersArePeople ? 'person' : 'stranger', peerId: null, nonce: null }
  }
}
