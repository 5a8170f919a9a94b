/** Real peer-plan-node processes for the bench (the same CLI users run). */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const CLI = fileURLToPath(new URL('../../bin/peer-plan-node.js', import.meta.url))
const live = new Set()
process.on('exit', () => {
  for (const p of live) {
    try {
      p.kill('SIGCONT')
      p.kill('SIGKILL')
    } catch {}
  }
})

export const makeHome = () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-bench-'))
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
  return join(dir, 'home')
}

/** Resolves on the ready line with { proc, url, id, port, pid }. */
export const spawnPeer = (home, args, { mdns = false } = {}) =>
  new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [CLI, ...(mdns ? [] : ['--no-mdns']), ...args], { env: { ...process.env, PEER_PLAN_HOME: home }, stdio: ['ignore', 'ignore', 'pipe'] })
    live.add(proc)
    let err = ''
    let ready = false
    proc.stderr.on('data', (d) => {
      err += d
      if (err.length > 100000) err = err.slice(-20000)
      const m = !ready && /ready (http:\/\/\S+) name=\S+ id=(\S+)/.exec(err)
      if (m) {
        ready = true
        resolve({ proc, url: m[1], id: m[2], port: Number(new URL(m[1]).port), pid: proc.pid, readyAt: performance.now(), stderr: () => err })
      }
    })
    proc.on('exit', (code, signal) => {
      live.delete(proc)
      if (!ready) reject(new Error(`peer exited (${code ?? signal}) before ready: ${err.slice(-500)}`))
    })
  })

export const stopPeer = (p, signal = 'SIGTERM') =>
  new Promise((resolve) => {
    if (p.proc.exitCode !== null || p.proc.signalCode !== null) return resolve()
    p.proc.once('exit', () => resolve())
    p.proc.kill('SIGCONT')
    p.proc.kill(signal)
  })

export const stopAll = (peers, signal) => Promise.all(peers.map((p) => stopPeer(p, signal)))

export const health = async (p) => (await fetch(`${p.url}/health`, { signal: AbortSignal.timeout(3000) })).json()

export const rssMiB = (pid) => {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024
  } catch {
    return NaN
  }
}

/** Polls cond every 5 ms until true or the deadline. */
export const until = async (cond, what, timeoutMs = 30000) => {
  const t0 = performance.now()
  for (;;) {
    if (await cond()) return performance.now()
    if (performance.now() - t0 > timeoutMs) throw new Error(`bench: timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
