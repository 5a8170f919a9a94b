/**
 * A join's first request, sent before any of the join's machinery is built.
 *
 * In a fresh page every function runs cold: V8 compiles it on its first call. Building the race, its
 * sources and their signals before the first fetch held that fetch back 1.2-1.4 ms (traced in Chromium
 * with no DevTools attached: the request left 1.4 ms after joinMesh() was called, against 0.3 ms for
 * a bare fetch), a quarter of a loopback round trip. So joinMesh sends the request it would send first
 * (to the cached peer, else the registry endpoint) from here, and builds the rest while it travels.
 * The source that would have sent the same request takes this one instead, once; a request no source
 * took is cancelled when the race ends.
 */
import { requestInit } from '../../shared/health-client.js'

export class HeadStart {
  private readonly stop = new AbortController()
  private response: Promise<Response> | null

  /** Sends GET `url` now, with the rules every discovery request has (shared/health-client). */
  constructor(
    readonly url: string,
    timeoutMs: number
  ) {
    this.response = fetch(url, requestInit(AbortSignal.any([this.stop.signal, AbortSignal.timeout(timeoutMs)])))
    // Whoever takes it handles its failure; an untaken one fails unread.
    this.response.catch(() => {})
  }

  /** The request for `url`, if this is it and nobody has taken it yet; `signal` cancels it from now on. */
  take(url: string, signal: AbortSignal): Promise<Response> | undefined {
    if (url !== this.url || !this.response) return undefined
    const response = this.response
    this.response = null
    if (signal.aborted) this.stop.abort()
    else signal.addEventListener('abort', () => this.stop.abort(), { once: true })
    return response
  }

  /** Cancels the request if no source took it (the race was decided without it). */
  release(): void {
    if (!this.response) return
    this.response = null
    this.stop.abort()
  }
}
