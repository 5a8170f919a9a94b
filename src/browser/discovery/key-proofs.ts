/**
 * What a page that holds the access token knows of who holds the mesh key: the base URLs that proved it
 * (shared/peer-proof.ts) in this page's life. The token goes to those only; a base that failed a request
 * is forgotten, and proves the key again before it is shown the token again (a process that bound a
 * dead peer's port cannot). A page without the token has no KeyProofs: its requests carry no nonce and
 * nothing is checked, so the token-less join costs what it always did.
 */
import { getJson } from '../../shared/health-client.js'
import { freshNonce, PROOF_PARAM, provesKey } from '../../shared/peer-proof.js'
import type { Reach } from './source.js'

/** The reason a base that did not prove the key fails with, as a dead peer's would. */
export const NOT_PROVEN = 'did not prove the mesh key'

export class KeyProofs {
  private readonly proven = new Set<string>()
  /** Answers that came but did not prove the key: a squatter's, or every peer's if the token is wrong. */
  unproven = 0
  /**
   * No peer proved the key for this token when the page joined: a wrong or stale token (or squatters
   * alone). The page then goes on as one without a token: its requests ask no proof, and it shows the
   * token to no one (rooms fail at once with AccessTokenError; the dashboard says the token was refused).
   */
  disowned = false

  constructor(private readonly token: string) {}

  /**
   * GET <reach(base)><path> with a fresh nonce (`get` makes the request): the answer, once it proves
   * the key for `base` as the peer was asked (the relay's `askedAs`, else `base`); else rejects.
   */
  async ask(base: string, path: string, reach: Reach, get: (url: string) => Promise<unknown>): Promise<unknown> {
    const nonce = freshNonce()
    const answer = await get(`${reach(base)}${path}?${PROOF_PARAM}=${nonce}`)
    await this.check(base, nonce, answer, reach.askedAs?.(base))
    return answer
  }

  /**
   * Resolves when `answer` (a /registry or /health JSON) proves the key for `nonce` and exactly the URL
   * the peer was asked as (`http://host:port`: `base` itself, or the relay's `askedAs`), and from then on
   * counts `base` as proven; else rejects, as a dead peer's request would.
   */
  private async check(base: string, nonce: string, answer: unknown, askedAs = base): Promise<void> {
    const proof = typeof answer === 'object' && answer !== null ? (answer as Record<string, unknown>)[PROOF_PARAM] : undefined
    if (!(await provesKey(this.token, nonce, askedAs, proof))) {
      this.unproven++
      throw new Error(`${base}: ${NOT_PROVEN}`)
    }
    this.proven.add(base)
  }

  isProven(base: string): boolean {
    return this.proven.has(base)
  }

  /** A request to `base` failed: it proves the key again before it sees the token again. */
  forget(base: string): void {
    this.proven.delete(base)
  }

  /** Proves `base` with one GET /health?proof=, reached directly or through a relay (`reach`). */
  async prove(base: string, reach: Reach, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    await this.ask(base, '/health', reach, (url) => getJson(url, { timeoutMs, ...(signal ? { signal } : {}) }))
  }
}
