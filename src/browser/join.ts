/**
 * joinMesh(): find any one live peer as fast as the machine allows and resolve with the whole mesh as
 * that peer answered it (one round trip: every source asks /registry); the live directory doc attaches
 * behind it (`mesh.live`) and follows the mesh from then on.
 */
import { warmRegistryCheck } from '../shared/entry-check.js'
import { DEFAULT_HOST, DEFAULT_PORTS, DEV_BASE } from '../shared/protocol.js'
import { bootstrapSource } from './discovery/bootstrap.js'
import { cacheSource, loadCachedUrls } from './discovery/cache.js'
import { devRelay, devServerSource, type DevServer } from './discovery/dev-server.js'
import { HeadStart } from './discovery/head-start.js'
import { MeshDiscoveryError, raceSources, type Entry, type RaceResult } from './discovery/race.js'
import { registrySource } from './discovery/registry.js'
import { scanSource } from './discovery/scan.js'
import { baseUrl, direct, registryUrl, type Reach } from './discovery/source.js'
import { Mesh } from './mesh.js'

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
const devServerOf = (options: JoinOptions, timeoutMs: number): { source: Entry; reach: Reach } | null => {
  if (!options.devServer) return null
  const dev = options.devServer === true ? {} : options.devServer
  const origin = dev.origin ?? globalThis.location.origin
  const base = dev.base ?? DEV_BASE
  return { source: devServerSource(origin, base, timeoutMs), reach: devRelay(origin, base) }
}

interface JoinPlan {
  host: string
  ports: readonly [number, number]
  timeoutMs: number
  probeTimeoutMs: number
  dev: { source: Entry; reach: Reach } | null
  cacheKey: string | null
  /** The cached peers' URLs, the page's last current peer first ([] without a usable cache). */
  cached: string[]
}

/** What the options decide before the first request leaves: checked first, and cheap. */
const planJoin = (options: JoinOptions): JoinPlan => {
  const host = options.host ?? DEFAULT_HOST
  const ports = options.ports ?? DEFAULT_PORTS
  if (!(Number.isInteger(ports[0]) && Number.isInteger(ports[1]) && ports[0] >= 1 && ports[0] <= ports[1] && ports[1] <= 65535)) {
    throw new RangeError(`joinMesh: ports must be [first, last] with 1 <= first <= last <= 65535, got ${JSON.stringify(ports)}`)
  }
  const timeoutMs = options.timeoutMs ?? 5000
  const probeTimeoutMs = options.probeTimeoutMs ?? 400
  const dev = devServerOf(options, Math.max(probeTimeoutMs, 2000))
  const cacheKey = options.cache === false || dev ? null : `${host}:${ports[0]}-${ports[1]}`
  return { host, ports, timeoutMs, probeTimeoutMs, dev, cacheKey, cached: cacheKey ? loadCachedUrls(cacheKey) : [] }
}

export const joinMesh = async (options: JoinOptions = {}): Promise<Mesh> => {
  const t0 = performance.now()
  const plan = planJoin(options)
  // The request the race would send first leaves now, before the race is built (head-start.ts says
  // why): the cached current peer's /registry, else the registry endpoint's. A bootstrap list is asked
  // all at once when the race starts, and the dev server is a single request: those get none.
  const first = options.bootstrap?.length || plan.dev ? null : (plan.cached[0] ?? baseUrl(plan.host, plan.ports[0]))
  const early = first ? new HeadStart(registryUrl(first), plan.probeTimeoutMs) : null
  return race(options, plan, early, t0)
}

/** The sources in order of preference, each asked as join.ts's header says; the Mesh built meanwhile. */
const race = async (options: JoinOptions, plan: JoinPlan, early: HeadStart | null, t0: number): Promise<Mesh> => {
  const { host, ports, timeoutMs, probeTimeoutMs, dev } = plan
  const graceMs = options.graceMs ?? 100
  // The scan waits up to scanDelayMs for the registry (or the cache) to answer or fail: on loopback a
  // dead first port is refused in a few ms, so the scan then starts at once. The registry endpoint waits
  // the same way behind a bootstrap list or a cache: those name peers that very likely still live, and
  // one request alone comes back sooner than two side by side on a fresh page's main thread. A cache
  // with no record fails at once, and the registry is asked at once then.
  const scanDelayMs = options.scanDelayMs ?? 25
  const networkSources = (delay: number, registryDelay = 0, head: HeadStart | null = null): Entry[] =>
    dev ? [dev.source] : [
      { source: registrySource(host, ports[0], probeTimeoutMs, head), startAfterMs: registryDelay },
      { source: scanSource(host, ports, probeTimeoutMs, [ports[0]]), startAfterMs: registryDelay + delay }
    ]
  const preferred: Entry[] = dev ? [] : [
    ...(options.bootstrap?.length ? [bootstrapSource(options.bootstrap, probeTimeoutMs)] : []),
    ...(plan.cacheKey ? [cacheSource(plan.cached, probeTimeoutMs, early)] : [])
  ]
  const sources: Entry[] = [...preferred, ...networkSources(scanDelayMs, preferred.length ? scanDelayMs : 0, early)]

  const deadline = AbortSignal.timeout(timeoutMs)
  // The requests are on their way before the Mesh (its doc, its view) is built: that work overlaps them.
  const racing = raceSources(sources, { graceMs, signal: deadline })
  racing.then(() => early?.release(), () => early?.release())
  const mesh = new Mesh(
    { firstAnswer: NaN, peersKnown: NaN, directorySynced: NaN, sources: [], failovers: [] },
    {
      cacheKey: plan.cacheKey,
      probeTimeoutMs,
      token: options.token ?? null,
      heartbeatMs: 2000,
      startedAt: t0,
      reach: dev?.reach ?? direct,
      rediscover: (signal) => raceSources(networkSources(0), { graceMs: 0, signal }).then((r) => r.found)
    }
  )
  // The page waits for the network now: the answer's check is compiled meanwhile (entry-check.ts).
  warmRegistryCheck()
  let first: Awaited<typeof racing>
  try {
    first = await racing
  } catch (err) {
    mesh.destroy()
    throw err
  }
  return settle(mesh, first, timeoutMs, t0)
}

/** The race's winner into the Mesh: its list at once when it brought one, else its synced directory. */
const settle = async (mesh: Mesh, first: RaceResult, timeoutMs: number, t0: number): Promise<Mesh> => {
  mesh.via = first.via
  mesh.timings.firstAnswer = first.ms
  mesh.timings.sources.push(...first.attempts)
  const left = Math.max(1, timeoutMs - (performance.now() - t0))
  const { found } = first
  if (found.peers) {
    // The answer already holds the whole mesh: show it now, and let the live directory attach behind it.
    mesh.seed({ ...found, peers: found.peers }, () => mesh.follow(found, Math.max(1, timeoutMs - (performance.now() - t0))))
    mesh.timings.peersKnown = performance.now() - t0
  } else {
    try {
      await mesh.attach(found, left)
    } catch (err) {
      mesh.destroy()
      throw new MeshDiscoveryError([...first.attempts, { via: first.via, ok: false, detail: (err as Error).message, ms: performance.now() - t0 }])
    }
    mesh.timings.peersKnown = mesh.timings.directorySynced
  }
  mesh.start()
  return mesh
}
