/**
 * Real peer processes for integration tests, in the style of Hocuspocus's helpers: spawn the real CLI
 * (scripts/lib/spawn-peer.mjs, shared with the bench), wait for its ready line, and poll for conditions
 * with a deadline instead of sleeping. Every process is killed and awaited when its scope ends.
 */
import { CLI, startCli, startPeer, type CliOptions, type PeerProc } from '../../scripts/lib/spawn-peer.mjs'
import { testScope, type Scope } from './scope.js'

export { CLI, type PeerProc }
export { waitFor } from '../../scripts/lib/wait-for.mjs'
export { tempHome } from './temp.js'

export interface SpawnOptions extends CliOptions {
  /** Who kills the peer: the running test unless a describe block's suiteScope() is given. */
  scope?: Scope
}

/** Spawns one peer and resolves when it prints its ready line; rejects with its stderr if it exits first. */
export const spawnPeer = ({ scope = testScope(), ...opts }: SpawnOptions): Promise<PeerProc> => {
  const peer = startPeer(opts)
  // Registered before the ready line: a test that times out waiting still kills its peer.
  scope.defer(() => peer.stop('SIGKILL'))
  return peer.ready
}

/** Runs the CLI to completion (for options that make it exit); killed if it outlives timeoutMs. */
export const runCli = async (args: string[], opts: { home: string; env?: Record<string, string>; timeoutMs?: number; scope?: Scope }) => {
  const { scope = testScope(), timeoutMs = 10000, ...rest } = opts
  const cli = startCli({ ...rest, args })
  scope.defer(() => cli.stop('SIGKILL'))
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<'late'>((r) => (timer = setTimeout(r, timeoutMs, 'late')))
  const exit = await Promise.race([cli.exited, late])
  clearTimeout(timer)
  if (exit === 'late') throw new Error(`CLI did not exit within ${timeoutMs} ms:\n${cli.stderr()}`)
  return { code: exit.code, stdout: cli.stdout(), stderr: cli.stderr() }
}

export const getJson = async <T = any>(url: string, headers: Record<string, string> = {}): Promise<T> => {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(3000) })
  if (!res.ok) throw new Error(`${url}: ${res.status}`)
  return (await res.json()) as T
}

export const registryIds = async (peer: { url: string }): Promise<string[]> =>
  (await getJson<{ peers: { id: string }[] }>(`${peer.url}/registry`)).peers.map((p) => p.id).sort()

/** True when every peer's /registry lists exactly the given ids. */
export const allSee = async (peers: { url: string }[], ids: string[]): Promise<boolean> => {
  const want = [...ids].sort().join(',')
  const seen = await Promise.all(peers.map((p) => registryIds(p).then((r) => r.join(','), () => '')))
  return seen.every((s) => s === want)
}

/** The header a person's client shows on a WebSocket to a room (what a stock client sends as a subprotocol). */
export const tokenProtocols = (peer: { token: string }) => ['peer-plan', `peer-plan.token.${peer.token}`]

/** Emits a measurement on stderr so CI logs and closing notes can quote it; never asserted on. */
export const report = (label: string, ms: number) => process.stderr.write(`[measure] ${label}: ${ms.toFixed(0)} ms\n`)
