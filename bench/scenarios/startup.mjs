/**
 * What one peer costs its machine, beside a bare Node process that serves HTTP and WebSocket (the same
 * ws library) measured the same way: spawn until a ready line on stderr (`startup` vs
 * `floor-node-start`), and the resident set once idle (reported as MiB and as a ratio). The peer runs as
 * a user's does, mDNS on loopback included (it starts after the ready line, and is loaded by the time
 * the resident set is read). Where this machine sets NODE_EXTRA_CA_CERTS, which the bench removes
 * (lib/environment.mjs), the bare server and the peer are also timed with it: `floor-node-start-extra-ca`
 * and `startup-extra-ca`.
 */
import { fileURLToPath } from 'node:url'
import { makeHome, rssMiB, sleep, spawnPeer } from '../lib/peers.mjs'
import { startProcess } from '../../scripts/lib/spawn-peer.mjs'
import { ratioOf, summarize } from '../lib/stats.mjs'

const BARE = fileURLToPath(new URL('../lib/bare-server.mjs', import.meta.url))

/** Spawns the bare server (with `env` added to the bench's); resolves at its ready line with the handle. */
const startBare = (port, env = {}) => {
  const t0 = performance.now()
  const h = startProcess(process.execPath, [BARE, String(port)], { env: { ...process.env, ...env } })
  return new Promise((resolve, reject) => {
    let err = ''
    h.proc.stderr.on('data', (d) => {
      err += d
      if (err.includes('ready')) resolve({ handle: h, ms: performance.now() - t0 })
    })
    void h.exited.then(() => reject(new Error(`bare server exited: ${err}`)))
  })
}

const IDLE_MS = 1000

/**
 * Spawns a peer as a user's runs (mDNS in its default mode, loopback: the spawner would otherwise turn
 * it off), with `env` added; resolves at its ready line with the handle and the time it took.
 */
const startPeerTimed = async (ports, env = {}) => {
  const t0 = performance.now()
  const p = await spawnPeer({ home: makeHome(), args: ['--ports', `${ports[0]}-${ports[1]}`, '--mdns', 'loopback'], env })
  return { handle: p, ms: p.readyAt - t0 }
}

export const runStartup = async (ctx) => {
  const { wantsAny, wants, runs, record, progress, ports: P, extraCaCerts } = ctx
  if (!wantsAny('startup', 'floor-node-start', 'floor-node-start-extra-ca', 'startup-extra-ca')) return
  progress('floor-node-start / startup: spawn until ready, then resident set after 1 s idle')
  const bare = []
  const bareRss = []
  const peer = []
  const peerRss = []
  const withCa = { bare: [], peer: [] }
  const ca = extraCaCerts ? { NODE_EXTRA_CA_CERTS: extraCaCerts } : null
  // Interleaved, so drift on a shared machine falls on all alike.
  for (let i = 0; i < runs; i++) {
    const b = await startBare(P.floorNode)
    bare.push(b.ms)
    await sleep(IDLE_MS)
    bareRss.push(rssMiB(b.handle.pid))
    await b.handle.stop('SIGKILL')
    const p = await startPeerTimed(P.startup)
    peer.push(p.ms)
    await sleep(IDLE_MS)
    peerRss.push(rssMiB(p.handle.pid))
    await p.handle.stop('SIGTERM')
    if (ca && wants('floor-node-start-extra-ca')) {
      const c = await startBare(P.floorNode, ca)
      withCa.bare.push(c.ms)
      await c.handle.stop('SIGKILL')
    }
    if (ca && wants('startup-extra-ca')) {
      const c = await startPeerTimed(P.startup, ca)
      withCa.peer.push(c.ms)
      await c.handle.stop('SIGTERM')
    }
  }
  // The resident sets' p50 as every figure's: nearest rank (lib/stats.mjs).
  const bareMib = summarize(bareRss).p50_ms
  const peerMib = summarize(peerRss).p50_ms
  record('floor-node-start', bare, { rss_mib: bareMib })
  if (withCa.bare.length) record('floor-node-start-extra-ca', withCa.bare)
  record('startup', peer, { rss_mib: peerMib, rss_ratio: ratioOf(peerMib, bareMib) })
  if (withCa.peer.length) record('startup-extra-ca', withCa.peer)
}
