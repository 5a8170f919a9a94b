/** Real peer-plan-node processes for the bench (the same CLI users run, through the tests' spawner). */
import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { WebSocket } from 'ws'
import { killAll, spawnPeer } from '../../scripts/lib/spawn-peer.mjs'
import { makeTempDir, removeOnExit } from '../../scripts/lib/temp-dir.mjs'
import { waitFor } from '../../scripts/lib/wait-for.mjs'

export { spawnPeer }

// A bench that fails or is stopped takes its peers with it. Node runs no 'exit' listener on a signal it
// does not handle, so SIGINT/SIGTERM become an exit.
process.on('exit', () => void killAll())
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(1))

export const makeHome = () => join(removeOnExit(makeTempDir('pp-bench-')), 'home')

/** `--secret-file` args for peers of different homes: they link only when they share the mesh secret. */
export const sharedSecretArgs = () => {
  const file = join(removeOnExit(makeTempDir('pp-bench-key-')), 'mesh.key')
  writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 })
  return ['--secret-file', file]
}

export const stopPeer = (p, signal = 'SIGTERM') => p.stop(signal)

export const stopAll = (peers, signal) => Promise.all(peers.map((p) => stopPeer(p, signal)))

export const health = async (p) => (await fetch(`${p.url}/health`, { signal: AbortSignal.timeout(3000) })).json()

export const rssMiB = (pid) => {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024
  } catch {
    return NaN
  }
}

/** Polls cond (every 5 ms unless told) until true; resolves with the performance.now() it held at. */
export const until = async (cond, what, timeoutMs = 30000, intervalMs = 5) => {
  await waitFor(cond, `bench: ${what}`, timeoutMs, intervalMs)
  return performance.now()
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/**
 * Follows a peer's directory doc over its _directory room, as a browser would. `connectedAt`: when the
 * follower's socket first opened. Under 32 cold starts on 2 cores a peer that has printed its ready
 * line can take a second or more to take the follower in, so a convergence read through followers
 * includes that wait (followerLag).
 */
export const followDirectory = (p) => {
  p.doc = new Y.Doc()
  p.provider = new WebsocketProvider(p.url.replace('http', 'ws'), '_directory', p.doc, { WebSocketPolyfill: WebSocket, disableBc: true })
  p.provider.on('status', (e) => e.status === 'connected' && (p.connectedAt ??= performance.now()))
  return p
}

/** How long after `since` the last of `peers`' followers connected (0 if all were in before). */
export const followerLag = (peers, since) => Math.max(0, ...peers.map((p) => (p.connectedAt ?? Infinity) - since))
