/**
 * One small interface for every way of finding a first peer, in the manner of js-libp2p's discovery
 * modules: a source gives a hint that has answered; liveness afterwards comes from the live connection.
 */
import { fetchHealth, getJson as fetchJson, HealthError } from '../../shared/health-client.js'
import { checkHealthResponse, checkRegistryResponse as parseRegistryResponse } from '../../shared/entry-check.js'
import type { HealthResponse, PeerEntry } from '../../shared/schema.js'
import type { AnswerTaker } from './head-start.js'
import type { KeyProofs } from './key-proofs.js'

export type Via = 'cache' | 'registry' | 'scan' | 'bootstrap' | 'dev-server'

/**
 * How the page reaches a peer's base URL: itself (the default), or through a relay on the page's own
 * origin (the Vite plugin's). Entries keep the peers' real URLs; only requests go through this.
 */
export type Reach = ((url: string) => string) & {
  /**
   * The base URL the peer is really asked as, when that is not its entry's: the Vite relay calls every
   * peer as http://127.0.0.1:<port>, so that is what its proof of the key names (key-proofs.ts).
   */
  askedAs?: (url: string) => string
}

export const direct: Reach = (url) => url

/** A source's failure; `refusedBy`: the peers that answered but refused this page's Origin. */
export class SourceError extends Error {
  constructor(
    message: string,
    readonly refusedBy: string[] = []
  ) {
    super(message)
  }
}

export interface Found {
  /** Base URL of a peer that answered, e.g. http://127.0.0.1:1234 */
  url: string
  id: string
  /** The whole directory as that peer answered it (GET /registry): joinMesh resolves with it. */
  peers?: PeerEntry[]
}

export interface DiscoverySource {
  readonly via: Via
  /** Resolves with a peer that answered, or rejects with an Error saying why none did. */
  find(signal: AbortSignal): Promise<Found>
}

/** GET url as JSON; any failure is an Error with a short phrase (see shared/health-client). */
export const getJson = (url: string, signal: AbortSignal, timeoutMs: number): Promise<unknown> => fetchJson(url, { signal, timeoutMs })

/**
 * GET <base><path> as JSON. With `proofs` (a page that holds the token) it carries a fresh nonce and is
 * taken only if the answer proves the key for `base` (key-proofs.ts); without, it is the bare request.
 */
const askPeer = (base: string, path: string, signal: AbortSignal, timeoutMs: number, reach: Reach, proofs: KeyProofs | null): Promise<unknown> => {
  if (!proofs || proofs.disowned) return getJson(`${reach(base)}${path}`, signal, timeoutMs)
  return proofs.ask(base, path, reach, (url) => getJson(url, signal, timeoutMs))
}

export const probeHealth = async (base: string, signal: AbortSignal, timeoutMs: number, reach: Reach = direct, proofs: KeyProofs | null = null): Promise<HealthResponse> => {
  if (!proofs || proofs.disowned) return fetchHealth(reach(base), { signal, timeoutMs })
  const parsed = checkHealthResponse(await askPeer(base, '/health', signal, timeoutMs, reach, proofs))
  if (!parsed) throw new HealthError('not a peer-plan peer')
  return parsed
}

/**
 * GET <base>/registry: the peer's id and the whole directory, in one round trip (its proof of the key
 * too, with `proofs`). A join's head start that already asked `base` hands over its answer instead
 * (head-start.ts), checked as this one would be.
 */
export const fetchRegistry = async (base: string, signal: AbortSignal, timeoutMs: number, reach: Reach = direct, early?: AnswerTaker | null, proofs: KeyProofs | null = null): Promise<Found> => {
  const taken = early?.take(base, signal)
  if (taken) return taken
  return registryFound(base, await askPeer(base, '/registry', signal, timeoutMs, reach, proofs))
}

/** `base`'s /registry answer, however it came (a GET, the head start's list frame), checked into a Found. */
export const registryFound = (base: string, answer: unknown): Found => {
  const parsed = parseRegistryResponse(answer)
  if (!parsed) throw new Error(`${base}/registry: not a peer-plan registry`)
  return { url: base, id: parsed.self, peers: parsed.peers }
}

/** Happy Eyeballs for a list of URLs: the first `head` are asked at once, the rest once all of those failed or `ms` passed. */
export interface Stagger {
  head: number
  ms: number
}

/**
 * The first of several base URLs to answer; the others are cancelled. Rejects listing each failure.
 * With a `stagger`, the first URLs are asked alone and the rest only once they have failed or its time
 * has passed (Happy Eyeballs): a dozen parallel requests cost a fresh page 20-40 ms of its own, more
 * than one or two requests to peers that are very likely alive.
 */
const firstOf = async (urls: string[], signal: AbortSignal, ask: (url: string, signal: AbortSignal) => Promise<Found>, stagger: Stagger | null = null): Promise<Found> => {
  if (urls.length === 0) throw new Error('nothing to try')
  const local = new AbortController()
  const both = AbortSignal.any([signal, local.signal])
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    const heads = urls.slice(0, stagger ? stagger.head : urls.length).map((url) => ask(url, both))
    const gate = !stagger ? Promise.resolve() : new Promise<void>((release) => {
      timer = setTimeout(release, stagger.ms)
      let failed = 0
      for (const h of heads) h.catch(() => ++failed === heads.length && release())
    })
    // A gate opened by the heads' cancellation asks no one.
    const rest = urls.slice(heads.length).map((url) => gate.then(() => (both.aborted ? Promise.reject(new Error('cancelled')) : ask(url, both))))
    return await Promise.any([...heads, ...rest])
  } catch (err) {
    const errors: Error[] = (err as AggregateError).errors ?? [err]
    const reasons = [...new Set(errors.map((e) => e.message))]
    const refusedBy = urls.filter((_, i) => errors[i] instanceof HealthError && (errors[i] as HealthError).originRefused)
    throw new SourceError(`${urls.length} tried: ${reasons.join('; ')}`, refusedBy)
  } finally {
    clearTimeout(timer)
    // After the answer is handed over, as raceSources cancels its losers (race.ts says why).
    setTimeout(() => local.abort(), 0)
  }
}

/** The first of several base URLs to answer /health (a live check, no list). */
export const firstHealthy = (urls: string[], signal: AbortSignal, timeoutMs: number, reach: Reach = direct, proofs: KeyProofs | null = null): Promise<Found> =>
  firstOf(urls, signal, async (url, s) => ({ url, id: (await probeHealth(url, s, timeoutMs, reach, proofs)).id }))

/**
 * The first of several base URLs to answer /registry: a live peer and the whole mesh as it knows it, in
 * the same round trip as a bare /health would take.
 */
export const firstRegistry = (urls: string[], signal: AbortSignal, timeoutMs: number, stagger: Stagger | null = null, early?: AnswerTaker | null, proofs: KeyProofs | null = null): Promise<Found> =>
  firstOf(urls, signal, (url, s) => fetchRegistry(url, s, timeoutMs, direct, early, proofs), stagger)

export const baseUrl = (host: string, port: number): string => `http://${host.includes(':') ? `[${host}]` : host}:${port}`

/**
 * A peer's base URL as its WebSocket base: http://h:p -> ws://h:p. Not a RegExp: a pattern's first
 * run in a fresh page compiles it (0.09 ms, against 0.015 for this), and this runs before a join's
 * first request leaves.
 */
export const wsBase = (url: string): string => (url.startsWith('http') ? `ws${url.slice(4)}` : url)
