/**
 * joinMesh(): find any one live peer as fast as the machine allows and resolve with the whole mesh as
 * that peer answered it (one round trip: every source asks /registry); the live directory doc attaches
 * behind it (`mesh.live`) and follows the mesh from then on.
 */
import { DEFAULT_HOST, DEFAULT_PORTS, DEV_BASE, isAccessToken } from '../shared/protocol.js'
import { bootstrapSource } from './discovery/bootstrap.js'
import { CACHE_STAGGER_MS, cacheSource, firstCachedUrl, loadCachedUrls } from './discovery/cache.js'
import { devRelay, devServerSource, type DevServer } from './discovery/dev-server.js'
import { HeadStart, HeadStarts } from './discovery/head-start.js'
import { KeyProofs } from './discovery/key-proofs.js'
import { MeshDiscoveryError, raceSources, type Entry, type RaceResult } from './discovery/race.js'
import { registrySource } from './discovery/registry.js'
import { scanSource } from './discovery/scan.js'
import { baseUrl, direct, type Reach } from './discovery/source.js'
import { Mesh } from './mesh.js'
import { warmAnswerCheck } from './warm-up.js'

export interface JoinOptions {
  /** The port range peers use; the registry endpoint is asked on the first. Default [1234, 1244]. */
  ports?: readonly [number, number]
  /** Loopback host the peers listen on. Default 127.0.0.1. */
  host?: string
  /** Peer URLs to try before anything else, e.g. ['http://127.0.0.1:1240']. */
  bootstrap?: string[]
  /** Remember last-known peers (localStorage) and try them first next time. Default true. */
  cache?: boolean
  /** Overall limit for finding a peer and syncing its directory, in ms. Default 5000. */
  timeoutMs?: number
  /** Per-request timeout for probes, in ms. Default 400 (loopback answers in a few ms). */
  probeTimeoutMs?: number
  /**
   * How long a preferred source (bootstrap, then cache, then registry) may keep a less preferred answer
   * waiting, in ms. Default 100. Only felt when a preferred source hangs: a dead port is refused in a
   * few ms and releases the others at once. Chromium's own cross-origin fetch on loopback takes 9-25 ms
   * here, so a smaller window would let a scan race past a healthy registry.
   */
  graceMs?: number
  /** How long the port scan waits for the registry endpoint or cache to answer or fail, in ms. Default 25. */
  scanDelayMs?: number
  /**
   * The mesh's access token (the `#token=` of the dashboard URL a peer prints). Without it the page can
   * follow the directory but open no room.
   */
  token?: string
  /**
   * The page is served by Vite with peerPlan() from peer-plan/vite: find the mesh at `/api/registry` on
   * the page's own origin and reach every peer through the plugin's relay there (no --allow-origin).
   * `true`, or where the plugin is ({ origin, base }). The other sources are not used then.
   */
  devServer?: boolean | DevServer
}

/** The dev server's source and relay, or null when the page talks to the peers itself. */
const devServerOf = (options: JoinOptions, timeoutMs: number, proofs: KeyProofs | null): { source: Entry; reach: Reach } | null => {
  if (!options.devServer) return null
  const dev = options.devServer === true ? {} : options.devServer
  const origin = dev.origin ?? globalThis.location.origin
  const base = dev.base ?? DEV_BASE
  return { source: devServerSource(origin, base, timeoutMs, proofs), reach: devRelay(origin, base) }
}

interface JoinPlan {
  host: string
  ports: readonly [number, number]
  timeoutMs: number
  probeTimeoutMs: number
  dev: { source: Entry; reach: Reach } | null
  cacheKey: string | null
  /** The cached peers' URLs, unchecked, the page's last current peer first ([] without a usable cache). */
  cached: readonly unknown[]
  /** The first of them that is a peer's URL (cache.ts firstCachedUrl), which the head start asks; null without. */
  cachedHead: string | null
  scanDelayMs: number
  graceMs: number
  token: string | null
  /** With the token only: the peers that proved the mesh key; the token goes to no other (key-proofs.ts). */
  proofs: KeyProofs | null
}

/** The longest a timer waits: a browser runs a longer setTimeout at once. */
const MAX_TIMER_MS = 2 ** 31 - 1

/** A time option in ms, checked: a browser's timers take NaN, Infinity and anything past MAX_TIMER_MS as 0. */
const msOption = (name: keyof JoinOptions, value: number | undefined, fallback: number): number => {
  if (value === undefined) return fallback
  if (!(typeof value === 'number' && value >= 0 && value <= MAX_TIMER_MS)) throw new RangeError(`joinMesh: ${name} must be a number of ms from 0 to ${MAX_TIMER_MS}, got ${String(value)}`)
  return value
}

/** The access token: a peer's is 64 hex digits, and it travels in a WebSocket subprotocol, where little else may. */
const tokenOption = (token: string | undefined): string | null => {
  // '' is what a URL's bare #token= gives: no token, as undefined.
  if (token === undefined || token === '') return null
  if (!isAccessToken(token)) throw new TypeError('joinMesh: token must be the 64 hex digits after #token= in the dashboard URL a peer prints')
  return token
}

/** What the options decide before the first request leaves: checked first, and cheap. */
const planJoin = (options: JoinOptions): JoinPlan => {
  const host = options.host ?? DEFAULT_HOST
  const ports = options.ports ?? DEFAULT_PORTS
  if (!(Number.isInteger(ports[0]) && Number.isInteger(ports[1]) && ports[0] >= 1 && ports[0] <= ports[1] && ports[1] <= 65535)) {
    throw new RangeError(`joinMesh: ports must be [first, last] with 1 <= first <= last <= 65535, got ${JSON.stringify(ports)}`)
  }
  const timeoutMs = msOption('timeoutMs', options.timeoutMs, 5000)
  const probeTimeoutMs = msOption('probeTimeoutMs', options.probeTimeoutMs, 400)
  const token = tokenOption(options.token)
  const proofs = token ? new KeyProofs(token) : null
  const dev = devServerOf(options, Math.max(probeTimeoutMs, 2000), proofs)
  const cacheKey = options.cache === false || dev ? null : `${host}:${ports[0]}-${ports[1]}`
  const cached = cacheKey ? loadCachedUrls(cacheKey) : []
  // A bootstrap list is asked first, with no head start: its cached URL would go unused.
  const cachedHead = options.bootstrap?.length ? null : firstCachedUrl(cached)
  const scanDelayMs = msOption('scanDelayMs', options.scanDelayMs, 25)
  const graceMs = msOption('graceMs', options.graceMs, 100)
  return { host, ports, timeoutMs, probeTimeoutMs, dev, cacheKey, cached, cachedHead, scanDelayMs, graceMs, token, proofs }
}

export const joinMesh = async (options: JoinOptions = {}): Promise<Mesh> => {
  const t0 = performance.now()
  const plan = planJoin(options)
  // The request the race would send first leaves now (head-start.ts says why): to the cached current
  // peer, else to the registry endpoint. A bootstrap list is asked all at once, and the dev server is
  // its only source: those get none.
  const head = options.bootstrap?.length || plan.dev ? null : (plan.cachedHead ?? baseUrl(plan.host, plan.ports[0]))
  const first = head ? new HeadStart(head, plan.cachedHead ? 'cache' : 'registry', plan.probeTimeoutMs, plan.proofs) : null
  // The scan adds its own if the race runs (scan.ts).
  const early = new HeadStarts(first)
  const sources = sourcesOf(options, plan, t0)
  // Built while the first answer travels; cheap, since its doc waits for the first attach (mesh.ts).
  const mesh = new Mesh(
    { firstAnswer: NaN, peersKnown: NaN, directorySynced: NaN, sources: [], failovers: [] },
    {
      cacheKey: plan.cacheKey,
      probeTimeoutMs: plan.probeTimeoutMs,
      token: plan.token,
      proofs: plan.proofs,
      heartbeatMs: 2000,
      startedAt: t0,
      reach: plan.dev?.reach ?? direct,
      rediscover: (signal) => raceSources(sources.network(0, 0, null), { graceMs: 0, signal }).then((r) => r.found)
    }
  )
  // The page has nothing to do until an answer comes: the answer's check is compiled meanwhile.
  warmAnswerCheck()
  try {
    // The head start alone first: it wins whenever it answers, being the most preferred source asked,
    // and nothing else would be asked before scanDelayMs. The race is built only if it fails or is late.
    const quick = first && (await headAnswer(first, headWaitMs(plan, first, t0), t0))
    // The race would have told of a cache with no record first, as its first attempt.
    if (quick && plan.cacheKey && !plan.cachedHead) quick.attempts.unshift({ via: 'cache', ok: false, detail: 'no cached peers', ms: 0 })
    const won = quick ?? (await race(plan, sources, early, t0).catch((err: unknown) => tokenless(plan, sources, err, t0)))
    return await settle(mesh, won, plan.timeoutMs, t0, early)
  } catch (err) {
    // The head starts' sockets go with a failed join (one the Mesh adopted is closed by destroy()).
    early.close()
    mesh.destroy()
    throw err
  }
}

/**
 * How long the head start is waited for alone: until the next source would be asked (the registry
 * endpoint or scan after scanDelayMs, the other cached peers after the cache's stagger), and never past
 * the join's own deadline.
 */
const headWaitMs = (plan: JoinPlan, early: HeadStart, t0: number): number =>
  Math.max(0, Math.min(plan.scanDelayMs, early.via === 'cache' ? CACHE_STAGGER_MS : Infinity, plan.timeoutMs - (performance.now() - t0)))

/** The head start's answer as the race would give it, if it came within `ms`; null if it failed or did not. */
const headAnswer = (early: HeadStart, ms: number, t0: number): Promise<RaceResult | null> =>
  new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), ms)
    early.answer.then(
      (found) => {
        clearTimeout(timer)
        const at = performance.now() - t0
        resolve({ found, via: early.via, ms: at, attempts: [{ via: early.via, ok: true, detail: `${found.url} (${found.id})`, ms: at }] })
      },
      () => {
        clearTimeout(timer)
        resolve(null)
      }
    )
  })

/**
 * The sources in order of preference. The registry endpoint waits up to scanDelayMs behind a bootstrap
 * list or a cache (those name peers that very likely still live, and one request alone comes back
 * sooner than two side by side on a fresh page's main thread); the scan waits as long again behind the
 * registry endpoint (on loopback a dead first port is refused in a few ms, which starts the scan at
 * once). `network(registryAt, scanAt, head)`: those two, at those times from the race's origin.
 */
const sourcesOf = (options: JoinOptions, plan: JoinPlan, origin: number) => {
  const { host, ports, probeTimeoutMs, dev, proofs } = plan
  const network = (registryAt: number, scanAt: number, head: HeadStarts | null): Entry[] =>
    dev ? [dev.source] : [
      { source: registrySource(host, ports[0], probeTimeoutMs, head, proofs), startAfterMs: registryAt },
      { source: scanSource(host, ports, probeTimeoutMs, [ports[0]], proofs, head?.forScan() ?? null), startAfterMs: scanAt }
    ]
  const preferred = (head: HeadStarts | null): Entry[] => dev ? [] : [
    ...(options.bootstrap?.length ? [bootstrapSource(options.bootstrap, probeTimeoutMs, proofs)] : []),
    ...(plan.cacheKey ? [cacheSource(plan.cached, probeTimeoutMs, head, origin, proofs)] : [])
  ]
  return { network, preferred }
}

/**
 * Every source, raced (race.ts), once the head start has failed or is late. The race counts from the
 * join's start, so each source starts when it would have had the race been built then; the source the
 * head start stands in for takes its answer (an untaken one is cancelled when the race ends).
 */
const race = async (plan: JoinPlan, sources: ReturnType<typeof sourcesOf>, early: HeadStarts | null, t0: number): Promise<RaceResult> => {
  const preferred = sources.preferred(early)
  const registryAt = preferred.length ? plan.scanDelayMs : 0
  const entries = [...preferred, ...sources.network(registryAt, registryAt + plan.scanDelayMs, early)]
  const deadline = AbortSignal.timeout(Math.max(1, Math.round(plan.timeoutMs - (performance.now() - t0))))
  try {
    return await raceSources(entries, { graceMs: plan.graceMs, signal: deadline, origin: t0 })
  } finally {
    early?.release()
  }
}

/**
 * Answers came but none proved the key for the page's token: a wrong or stale token, most likely (a
 * squatter alone looks the same). The page joins as one without a token, which it then shows no one
 * (key-proofs.ts `disowned`); a page whose token a peer refuses did as much before proofs existed.
 */
const tokenless = (plan: JoinPlan, sources: ReturnType<typeof sourcesOf>, err: unknown, t0: number): Promise<RaceResult> => {
  if (!plan.proofs || plan.proofs.unproven === 0) throw err
  plan.proofs.disowned = true
  return race(plan, sources, null, t0)
}

/** The race's winner into the Mesh: its list at once when it brought one, else its synced directory. */
const settle = async (mesh: Mesh, first: RaceResult, timeoutMs: number, t0: number, early: HeadStarts): Promise<Mesh> => {
  mesh.via = first.via
  mesh.timings.firstAnswer = first.ms
  mesh.timings.sources.push(...first.attempts)
  const left = Math.max(1, timeoutMs - (performance.now() - t0))
  const { found } = first
  if (found.peers) {
    // The answer already holds the whole mesh: show it now, and let the live directory attach behind it.
    // A head start's socket (the join's first request's, or a scan's: scan.ts), if one brought this
    // answer, carries the live directory too.
    mesh.seed({ ...found, peers: found.peers }, () => mesh.follow(found, Math.max(1, timeoutMs - (performance.now() - t0)), early))
    mesh.timings.peersKnown = performance.now() - t0
  } else {
    try {
      await mesh.attach(found, left, early)
    } catch (err) {
      mesh.destroy()
      throw new MeshDiscoveryError([...first.attempts, { via: first.via, ok: false, detail: (err as Error).message, ms: performance.now() - t0 }])
    }
    mesh.timings.peersKnown = mesh.timings.directorySynced
  }
  mesh.start()
  return mesh
}
