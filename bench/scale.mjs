#!/usr/bin/env node
/**
 * Mesh scale measurements against real peer-plan-node processes (no browser):
 *   converge@N  all N ready -> every peer's directory lists all N
 *   join@N      a newcomer's ready line -> every one of N+1 peers lists it
 *   evict-kill  SIGKILL of one peer -> every other peer has dropped it
 *   evict-stop  SIGSTOP of one peer -> every other peer has dropped it
 * and, once settled, the directory connections in the whole mesh and RSS per peer.
 * "Lists" is read event-driven: the bench holds a y-websocket client on every peer's /_directory and
 * checks the docs on each update, so the figures are not the cost of polling N HTTP endpoints.
 * Usage: node bench/scale.mjs [N ...]   (default 2 8 32). Writes bench/results/scale.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dropExtraCaCerts, extraCaCertsNote } from './lib/environment.mjs'
import { followDirectory as follow, followerLag, makeHome, rssMiB, spawnPeer, until as untilEvery } from './lib/peers.mjs'

const PORTS = [23000, 23099]
// Before anything is started, as in pnpm bench: peers start as an agent's would (lib/environment.mjs).
const extraCaCerts = dropExtraCaCerts()
const sizes = process.argv.slice(2).map(Number).filter(Boolean)
const Ns = sizes.length ? sizes : [2, 8, 32]
// One WebsocketProvider per followed peer adds a process 'exit' listener.
process.setMaxListeners(0)
const log = (s) => process.stderr.write(s + '\n')

const start = (home) => spawnPeer({ home, args: ['--ports', `${PORTS[0]}-${PORTS[1]}`] })
const listed = (p) => [...p.doc.getMap('peers').keys()].sort().join()
const allList = (peers, ids) => {
  const want = [...ids].sort().join()
  return peers.every((p) => listed(p) === want)
}
/** Resolves with the time the condition first held, checked every ms. */
const until = (cond, what) => untilEvery(cond, what, 30000, 1)
const stopAll = async (peers) => {
  for (const p of peers) p.provider.destroy()
  await Promise.all(peers.map((p) => p.stop('SIGTERM')))
}

const results = {}
for (const n of Ns) {
  const home = makeHome()
  const t0 = performance.now()
  let peers = await Promise.all(Array.from({ length: n }, () => start(home).then(follow)))
  const lastReady = Math.max(...peers.map((p) => p.readyAt))
  const converged = await until(() => allList(peers, peers.map((p) => p.id)), `converge@${n}`)
  const r = { n, spawn_all_ready_ms: lastReady - t0, follower_connected_after_last_ready_ms: followerLag(peers, lastReady) }

  // Let reconciliation settle, then count links from every peer's /health.
  await new Promise((res) => setTimeout(res, 1500))
  const health = await Promise.all(peers.map((p) => fetch(`${p.url}/health`).then((x) => x.json())))
  r.connections = health.reduce((s, h) => s + h.links.outbound, 0)
  r.connections_inbound = health.reduce((s, h) => s + h.links.inbound, 0)
  r.max_links_per_peer = Math.max(...health.map((h) => h.links.outbound + h.links.inbound))
  r.rss_mib_per_peer = +(peers.reduce((s, p) => s + rssMiB(p.proc.pid), 0) / n).toFixed(1)

  // A newcomer joins a settled mesh.
  const joiner = follow(await start(home))
  peers.push(joiner)
  r.join_ms = (await until(() => allList(peers, peers.map((p) => p.id)), `join@${n}`)) - joiner.readyAt

  if (n >= 2) {
    const victim = peers.shift()
    const tk = performance.now()
    victim.provider.destroy()
    victim.proc.kill('SIGKILL')
    r.evict_sigkill_ms = (await until(() => allList(peers, peers.map((p) => p.id)), 'evict after SIGKILL')) - tk
    const hung = peers.shift()
    hung.provider.destroy()
    const ts = performance.now()
    hung.proc.kill('SIGSTOP')
    r.evict_sigstop_ms = (await until(() => allList(peers, peers.map((p) => p.id)), 'evict after SIGSTOP')) - ts
    peers.push(hung)
  }
  r.converge_ms = converged - lastReady
  for (const k of Object.keys(r)) if (k.endsWith('_ms')) r[k] = Math.round(r[k])
  log(JSON.stringify(r))
  results[`N=${n}`] = r
  await stopAll(peers)
}

mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
writeFileSync(new URL('./results/scale.json', import.meta.url), JSON.stringify({ at: new Date().toISOString(), node_extra_ca_certs: extraCaCertsNote(extraCaCerts), results }, null, 2) + '\n')
process.exit(0)
