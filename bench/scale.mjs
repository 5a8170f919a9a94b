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
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, mkdirSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { WebSocket } from 'ws'

const CLI = fileURLToPath(new URL('../bin/peer-plan-node.js', import.meta.url))
const PORTS = [23000, 23099]
const sizes = process.argv.slice(2).map(Number).filter(Boolean)
const Ns = sizes.length ? sizes : [2, 8, 32]
// One WebsocketProvider per followed peer adds a process 'exit' listener.
process.setMaxListeners(0)
const log = (s) => process.stderr.write(s + '\n')

const spawnPeer = (home) =>
  new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [CLI, '--ports', `${PORTS[0]}-${PORTS[1]}`, '--no-mdns'], {
      env: { ...process.env, PEER_PLAN_HOME: home },
      stdio: ['ignore', 'ignore', 'pipe']
    })
    let err = ''
    proc.stderr.on('data', (d) => {
      err += d
      const m = /ready (http:\/\/\S+) name=\S+ id=(\S+)/.exec(err)
      if (m && !proc.ready) {
        proc.ready = performance.now()
        resolve({ proc, url: m[1], id: m[2], readyAt: proc.ready })
      }
    })
    proc.on('exit', (code) => proc.ready || reject(new Error(`peer exited ${code}: ${err}`)))
  })

/** Follows a peer's directory over its own /_directory room, as a browser would. */
const follow = (p) => {
  p.doc = new Y.Doc()
  p.provider = new WebsocketProvider(p.url.replace('http', 'ws'), '_directory', p.doc, { WebSocketPolyfill: WebSocket, disableBc: true })
  return p
}
const listed = (p) => [...p.doc.getMap('peers').keys()].sort().join()
const allList = (peers, ids) => {
  const want = [...ids].sort().join()
  return peers.every((p) => listed(p) === want)
}
/** Resolves with the time the condition first held; checked on every directory update and every ms. */
const until = (cond, timeoutMs = 30000) =>
  new Promise((resolve, reject) => {
    const t0 = performance.now()
    const tick = () => {
      if (cond()) return resolve(performance.now())
      if (performance.now() - t0 > timeoutMs) return reject(new Error('timed out'))
      setTimeout(tick, 1)
    }
    tick()
  })
const rssMiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024
const stopAll = async (peers) => {
  for (const p of peers) p.provider.destroy()
  await Promise.all(peers.map((p) => new Promise((r) => (p.proc.exitCode !== null ? r() : (p.proc.on('exit', r), p.proc.kill('SIGCONT'), p.proc.kill('SIGTERM'))))))
}

const results = {}
for (const n of Ns) {
  const home = join(mkdtempSync(join(tmpdir(), 'pp-scale-')), 'home')
  const t0 = performance.now()
  let peers = await Promise.all(Array.from({ length: n }, () => spawnPeer(home).then(follow)))
  const lastReady = Math.max(...peers.map((p) => p.readyAt))
  const converged = await until(() => allList(peers, peers.map((p) => p.id)))
  const r = { n, spawn_all_ready_ms: lastReady - t0 }

  // Let reconciliation settle, then count links from every peer's /health.
  await new Promise((res) => setTimeout(res, 1500))
  const health = await Promise.all(peers.map((p) => fetch(`${p.url}/health`).then((x) => x.json())))
  r.connections = health.reduce((s, h) => s + h.links.outbound, 0)
  r.connections_inbound = health.reduce((s, h) => s + h.links.inbound, 0)
  r.max_links_per_peer = Math.max(...health.map((h) => h.links.outbound + h.links.inbound))
  r.rss_mib_per_peer = +(peers.reduce((s, p) => s + rssMiB(p.proc.pid), 0) / n).toFixed(1)

  // A newcomer joins a settled mesh.
  const joiner = follow(await spawnPeer(home))
  peers.push(joiner)
  r.join_ms = (await until(() => allList(peers, peers.map((p) => p.id)))) - joiner.readyAt

  if (n >= 2) {
    const victim = peers.shift()
    const tk = performance.now()
    victim.provider.destroy()
    victim.proc.kill('SIGKILL')
    r.evict_sigkill_ms = (await until(() => allList(peers, peers.map((p) => p.id)))) - tk
    const hung = peers.shift()
    hung.provider.destroy()
    const ts = performance.now()
    hung.proc.kill('SIGSTOP')
    r.evict_sigstop_ms = (await until(() => allList(peers, peers.map((p) => p.id)))) - ts
    peers.push(hung)
  }
  r.converge_ms = converged - lastReady
  for (const k of Object.keys(r)) if (k.endsWith('_ms')) r[k] = Math.round(r[k])
  log(JSON.stringify(r))
  results[`N=${n}`] = r
  await stopAll(peers)
  rmSync(join(home, '..'), { recursive: true, force: true })
}

mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
writeFileSync(new URL('./results/scale.json', import.meta.url), JSON.stringify({ at: new Date().toISOString(), results }, null, 2) + '\n')
process.exit(0)
