/**
 * What one peer costs its machine, beside a bare Node process that serves HTTP and WebSocket (the same
 * ws library) measured the same way: spawn until a ready line on stderr (`startup` vs
 * `floor-node-start`), and the resident set once idle (reported as MiB and as a ratio). The peer runs as
 * a user's does, mDNS on loopback included (it starts after the ready line, and is loaded by the time
 * the resident set is read). Where this machine sets NODE_EXTRA_CA_CERTS, which the bench removes
 * (lib/environment.mjs), the bare server is also timed with it: `floor-node-start-extra-ca`.
 */
import { fileURLToPath } from 'node:url'
import { makeHome, rssMiB, sleep, spawnPeer } from '../lib/peers.mjs'
import { startProcess } from '../../scripts/lib/spawn-peer.mjs'

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
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

export const runStartup = async (ctx) => {
  const { wantsAny, wants, runs, record, progress, ports: P, extraCaCerts } = ctx
  if (!wantsAny('startup', 'floor-node-start', 'floor-node-start-extra-ca')) return
  progress('floor-node-start / startup: spawn until ready, then resident set after 1 s idle')
  const bare = []
  const bareRss = []
  const peer = []
  const peerRss = []
  const withCa = []
  // Interleaved, so drift on a shared machine falls on both alike.
  for (let i = 0; i < runs; i++) {
    const b = await startBare(P.floorNode)
    bare.push(b.ms)
    await sleep(IDLE_MS)
    bareRss.push(rssMiB(b.handle.pid))
    await b.handle.stop('SIGKILL')
    if (extraCaCerts && wants('floor-node-start-extra-ca')) {
      const c = await startBare(P.floorNode, { NODE_EXTRA_CA_CERTS: extraCaCerts })
      withCa.push(c.ms)
      await c.handle.stop('SIGKILL')
    }
    const t0 = performance.now()
    // mDNS in its default mode (loopback), as a user's peer runs: the spawner would otherwise turn it off.
    const p = await spawnPeer({ home: makeHome(), args: ['--ports', `${P.startup[0]}-${P.startup[1]}`, '--mdns', 'loopback'] })
    peer.push(p.readyAt - t0)
    await sleep(IDLE_MS)
    peerRss.push(rssMiB(p.pid))
    await p.stop('SIGTERM')
  }
  const round = (x) => Math.round(x * 10) / 10
  record('floor-node-start', bare, { rss_mib: round(median(bareRss)) })
  if (withCa.length) record('floor-node-start-extra-ca', withCa)
  record('startup', peer, { rss_mib: round(median(peerRss)), rss_ratio: Math.round((median(peerRss) / median(bareRss)) * 100) / 100 })
}
