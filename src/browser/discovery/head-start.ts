/**
 * A join's first request, sent before anything else of the join is built, and its answer read and
 * checked as every source reads one (fetchRegistry).
 *
 * In a fresh page every function runs cold: V8 compiles it on its first call. Building the race, its
 * sources and their signals before the first fetch held that fetch back 1.2-1.4 ms (traced in Chromium
 * with no DevTools attached: the request left 1.4 ms after joinMesh() was called, against 0.3 ms for a
 * bare fetch), a quarter of a loopback round trip; building them while it travelled still delayed its
 * answer when both wanted the page's one main thread. So joinMesh sends the request the race would send
 * first (to the cached current peer, else to the registry endpoint) from here and waits for this
 * answer alone, for as long as any other source would wait behind it anyway (join.ts). Only if it
 * fails or is late is the race built; the race's source for the same peer then takes this answer,
 * once, rather than ask again, and an answer no source took is cancelled when the race ends.
 */
import type { KeyProofs } from './key-proofs.js'
import { direct, fetchRegistry, type Found, type Via } from './source.js'

export class HeadStart {
  private readonly stop = new AbortController()
  private untaken: Promise<Found> | null
  /** The peer's /registry answer, checked; rejects as fetchRegistry does. */
  readonly answer: Promise<Found>

  /**
   * Asks `base` now; `via` is the source it stands in for (the cache or the registry endpoint).
   * `proofs`: the page holds the token, so the answer must prove the key (in the same round trip).
   */
  constructor(
    readonly base: string,
    readonly via: Via,
    timeoutMs: number,
    proofs: KeyProofs | null = null
  ) {
    this.answer = fetchRegistry(base, this.stop.signal, timeoutMs, direct, null, proofs)
    // Whoever waits for it handles its failure; an unread one fails unseen.
    this.answer.catch(() => {})
    this.untaken = this.answer
  }

  /**
   * The answer for `base`, if this is it and no source has taken it; `signal` cancels it from now on.
   * Matched on the peer's own URL: a head start always asks directly (joinMesh makes none for a join
   * through the Vite plugin's relay), as every source of such a join does.
   */
  take(base: string, signal: AbortSignal): Promise<Found> | undefined {
    if (base !== this.base || !this.untaken) return undefined
    const answer = this.untaken
    this.untaken = null
    if (signal.aborted) this.stop.abort()
    else signal.addEventListener('abort', () => this.stop.abort(), { once: true })
    return answer
  }

  /** Cancels the request if no source took it (the race was decided without it). */
  release(): void {
    if (!this.untaken) return
    this.untaken = null
    this.stop.abort()
  }
}
