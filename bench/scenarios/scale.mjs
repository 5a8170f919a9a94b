/**
 * The mesh as N grows, with real processes: converge@N (N cold starts at once: the last ready line until
 * every peer's directory lists all N), registry@N (a fresh page's registry join of N peers), and join@64
 * (64 peers on an 11-port range, so 53 of them listen outside it: a fresh page's registry join and the
 * number of peers it lists). Each join stands under a bare fetch taken in the same loop
 * (`floor-fetch-paired-registry@N`, `floor-fetch-paired-join@64`).
 */
import { freshPage } from '../lib/browser.mjs'
import { followDirectory, followerLag, health, makeHome, rssMiB, sleep, spawnPeer, stopAll, until } from '../lib/peers.mjs'
import { summarize } from '../lib/stats.mjs'
import { checkJoin, countVia, floorsOf, pairedJoins } from './joins.mjs'

const lists = (p, n) => p.doc.getMap('peers').size === n

const coldStart = (n, ports, home) =>
  Promise.all(Array.from({ length: n }, (_, k) => spawnPeer({ home, args: ['--ports', `${ports[0]}-${ports[1]}`, ...(ports[0] + k <= ports[1] ? ['--port', String(ports[0] + k)] : [])] }).then(followDirectory)))

const stopFollowed = async (peers) => {
  for (const p of peers) p.provider.destroy()
  await stopAll(peers, 'SIGKILL')
}

/** What the settled mesh holds open and what a peer weighs. */
const settledShape = async (peers, n, quick) => {
  await sleep(quick ? 500 : 1500)
  const hs = await Promise.all(peers.map(health))
  const rss = peers.reduce((s, p) => s + rssMiB(p.pid), 0) / n
  return { n, connections: hs.reduce((s, h) => s + h.links.outbound, 0), connections_full_mesh: (n * (n - 1)) / 2, rss_mib_per_peer: Math.round(rss * 10) / 10 }
}

/**
 * ctx.runs registry joins of the N peers, each in a fresh context, each paired with a bare fetch in a
 * context of the same kind, taken in the same loop (joins.mjs pairedJoins): after N cold starts the
 * machine is not as fast as when the early floor-fetch was taken, minutes before. `recordFloor`
 * records the fetch, after the join it stands under.
 */
const registryJoins = async (ctx, browser, peers, name, ports, n, strict = true) => {
  const fresh = () => freshPage(browser, `${peers[0].url}/health`)
  const floor = `floor-fetch-paired-${name}`
  const r = await pairedJoins(fresh, { ports, cache: false }, ctx.runs, { [floor]: floorsOf(ctx.ports).fetch }, strict ? (j) => checkJoin(name, j, n) : undefined)
  return { ...r, recordFloor: () => ctx.record(floor, r.floors[floor]) }
}

export const runScale = async (ctx, browser) => {
  const { wants, progress, ports: P } = ctx
  for (const n of ctx.sizes) {
    if (!wants(`converge@${n}`) && !wants(`registry@${n}`)) continue
    progress(`converge@${n}: cold starts of ${n} peers`)
    const xs = []
    const lags = []
    let peers = []
    // Quick mode keeps it to 3 cold starts so the whole run stays short.
    const starts = wants(`converge@${n}`) ? (ctx.quick ? 3 : ctx.runs) : 1
    for (let i = 0; i < starts; i++) {
      if (peers.length) await stopFollowed(peers)
      peers = await coldStart(n, P.convN, makeHome())
      const lastReady = Math.max(...peers.map((p) => p.readyAt))
      xs.push((await until(() => peers.every((p) => lists(p, n)), `converge@${n}`)) - lastReady)
      lags.push(followerLag(peers, lastReady))
    }
    const extra = await settledShape(peers, n, ctx.quick)
    // How much of each convergence was the bench's own followers still waiting to be let in.
    const lag = summarize(lags)
    if (wants(`converge@${n}`)) ctx.record(`converge@${n}`, xs, { ...extra, follower_connected_after_last_ready_ms: { p50: lag.p50_ms, max: lag.max_ms } })
    if (wants(`registry@${n}`)) {
      const r = await registryJoins(ctx, browser, peers, `registry@${n}`, P.convN, n)
      ctx.record(`registry@${n}`, r.lists, { ...extra, via: countVia(r.vias), live_p50_ms: summarize(r.lives).p50_ms })
      r.recordFloor()
    }
    await stopFollowed(peers)
  }
  if (wants('join@64')) await join64(ctx, browser)
}

/** 64 peers on an 11-port range: every page must list all 64, found through the in-range peers. */
const join64 = async (ctx, browser) => {
  const n = 64
  const { ports: P } = ctx
  ctx.progress(`join@64: ${n} peers on the 11 ports ${P.join64[0]}-${P.join64[1]}`)
  const home = makeHome()
  // In batches: 64 concurrent starts on a 2-core machine measure the machine, not the join.
  const peers = []
  for (let k = 0; k < n; k += 16) peers.push(...(await Promise.all(Array.from({ length: Math.min(16, n - k) }, () => spawnPeer({ home, args: ['--ports', `${P.join64[0]}-${P.join64[1]}`] }).then(followDirectory)))))
  // 64 cold starts on 2 cores converge in 20-120 s here, and have taken longer: the wait is generous,
  // and how long it took is reported beside the join (it is the setup, not what is timed).
  const lastReady = Math.max(...peers.map((p) => p.readyAt))
  const converged = (await until(() => peers.every((p) => lists(p, n)), 'join@64 to converge', 600_000)) - lastReady
  const r = await registryJoins(ctx, browser, peers, 'join@64', P.join64, n, false)
  // The page's count is reported as it is (the least over the runs), not checked: this is what join@64 asks.
  ctx.record('join@64', r.lists, { n, converged_after_last_ready_ms: Math.round(converged), peers_listed_min: Math.min(...r.peers), live_p50_ms: summarize(r.lives).p50_ms, in_range: peers.filter((p) => p.port >= P.join64[0] && p.port <= P.join64[1]).length, via: countVia(r.vias) })
  r.recordFloor()
  await stopFollowed(peers)
}
