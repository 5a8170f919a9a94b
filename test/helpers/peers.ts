/**
 * Real peer processes for integration tests, in the style of Hocuspocus's helpers: spawn the real CLI,
 * wait for its ready line, and poll for conditions with a deadline instead of sleeping.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll } from 'vitest'

export const CLI = resolve(import.meta.dirname, '../../bin/peer-plan-node.js')

export interface PeerProc {
  proc: ChildProcess
  pid: number
  url: string
  port: number
  id: string
  /** The mesh's access token, from the dashboard URL of the ready line. */
  token: string
  stderr: () => string
  stdout: () => string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  kill(signal?: NodeJS.Signals): void
}

const live = new Set<ChildProcess>()
afterAll(() => {
  for (const p of live) {
    try {
      p.kill('SIGCONT')
      p.kill('SIGKILL')
    } catch {}
  }
})

export const tempHome = async (): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'peer-plan-test-'))
  afterAll(() => rm(dir, { recursive: true, force: true }))
  return join(dir, 'home')
}

export interface SpawnOptions {
  home: string
  args?: string[]
  env?: Record<string, string>
  /** A command to run node under, e.g. ['ip', 'netns', 'exec', 'ns1']. */
  wrap?: string[]
}

const childEnv = (opts: SpawnOptions): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, PEER_PLAN_HOME: opts.home, HOME: resolve(opts.home, '..'), ...opts.env }
  for (const k of Object.keys(env)) if (k.startsWith('PEER_PLAN_') && !(k in (opts.env ?? {})) && k !== 'PEER_PLAN_HOME') delete env[k]
  return env
}

/** Spawns one peer and resolves when it prints its ready line; rejects with its stderr if it exits first. */
export const spawnPeer = (opts: SpawnOptions): Promise<PeerProc> =>
  new Promise((resolvePeer, reject) => {
    // mDNS would join peers of every test file running at once: only tests that ask for it get it.
    const args = opts.args ?? []
    const mdnsChosen = args.some((a) => a === '--no-mdns' || a.startsWith('--mdns')) || opts.env?.PEER_PLAN_MDNS !== undefined
    const proc = spawn(opts.wrap?.[0] ?? process.execPath, [...(opts.wrap?.slice(1) ?? []), ...(opts.wrap ? [process.execPath] : []), CLI, ...(mdnsChosen ? [] : ['--no-mdns']), ...args], { env: childEnv(opts), stdio: ['ignore', 'pipe', 'pipe'] })
    live.add(proc)
    let err = ''
    let out = ''
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
      proc.on('exit', (code, signal) => {
        live.delete(proc)
        r({ code, signal })
      })
    )
    proc.stdout!.on('data', (d) => (out += d))
    proc.stderr!.on('data', (d) => {
      err += d
      const m = /ready (http:\/\/\S+) name=\S+ id=(\S+) .*#token=([0-9a-f]+)/.exec(err)
      if (m && !ready) {
        ready = true
        const url = m[1]!
        resolvePeer({
          proc,
          pid: proc.pid!,
          url,
          port: Number(new URL(url).port),
          id: m[2]!,
          token: m[3]!,
          stderr: () => err,
          stdout: () => out,
          exited,
          kill: (signal = 'SIGKILL') => proc.kill(signal)
        })
      }
    })
    let ready = false
    void exited.then(({ code, signal }) => {
      if (!ready) reject(new Error(`peer exited (${code ?? signal}) before ready:\n${err}`))
    })
  })

/** Runs the CLI to completion (for options that make it exit). */
export const runCli = (args: string[], opts: { home: string; env?: Record<string, string>; timeoutMs?: number }) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolveRun, reject) => {
    const proc = spawn(process.execPath, [CLI, ...args], { env: childEnv(opts), stdio: ['ignore', 'pipe', 'pipe'] })
    live.add(proc)
    let stdout = ''
    let stderr = ''
    proc.stdout!.on('data', (d) => (stdout += d))
    proc.stderr!.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => {
      proc.kill('SIGKILL')
      reject(new Error(`CLI did not exit within ${opts.timeoutMs ?? 10000} ms:\n${stderr}`))
    }, opts.timeoutMs ?? 10000)
    proc.on('exit', (code) => {
      clearTimeout(timer)
      live.delete(proc)
      resolveRun({ code, stdout, stderr })
    })
  })

/** Polls until check returns a truthy value, or fails with the last value seen once the deadline passes. */
export const waitFor = async <T>(check: () => T | Promise<T>, what: string, timeoutMs = 10000, intervalMs = 20): Promise<NonNullable<T>> => {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      last = await check()
      if (last) return last as NonNullable<T>
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`)
    await new Promise((r) => setTimeout(r, intervalMs))
  }
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
