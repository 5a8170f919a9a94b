/**
 * The peers of a chaos run and the truth about them: which run, which are stopped (SIGSTOP), which are
 * gone, since when, and whether each exit was asked for. Spawning is bench/lib/peers.mjs's.
 */
import { spawnPeer } from './peers.mjs'

export class ChaosFleet {
  constructor({ home, ports, watch, log }) {
    Object.assign(this, { home, ports, watch, log })
    this.recs = new Map()
    this.started = 0
  }

  /**
   * Spawns a peer; resolves with its record once it is ready (its `since` is the ready time). A peer not
   * ready within readyMs is a failed start (bench/lib/peers.mjs kills it when the run exits).
   */
  async start(readyMs = 20000) {
    const k = ++this.started
    let timer
    const late = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`chaos-${k} not ready within ${readyMs} ms`)), readyMs)))
    const p = await Promise.race([spawnPeer({ home: this.home, args: ['--ports', this.ports, '--name', `chaos-${k}`] }), late]).finally(() => clearTimeout(timer))
    const rec = { ...p, state: 'running', since: p.readyAt, exitedAt: null, signalled: null }
    this.recs.set(p.id, rec)
    p.proc.on('exit', (code, signal) => this.exited(rec, code, signal))
    return rec
  }

  exited(rec, code, signal) {
    const now = performance.now()
    rec.exitedAt = now
    if (rec.state !== 'gone') Object.assign(rec, { state: 'gone', since: now })
    const detail = { peer: rec.id, port: rec.port, code, signal, stderr_tail: rec.stderr().slice(-600) }
    if (!rec.signalled) this.watch.anomaly('crash', detail)
    else if (rec.signalled === 'SIGTERM' && code !== 0) this.watch.anomaly('unclean-exit', detail)
  }

  /** Sends a signal and updates the truth at the same moment; returns that moment. */
  signal(rec, sig) {
    const now = performance.now()
    if (sig === 'SIGSTOP') Object.assign(rec, { state: 'stopped', since: now })
    else if (sig === 'SIGCONT') Object.assign(rec, { state: 'running', since: now })
    else Object.assign(rec, { state: 'gone', since: now, signalled: sig })
    rec.proc.kill(sig)
    // A stopped process only acts on SIGTERM once it runs again.
    if (sig === 'SIGTERM') rec.proc.kill('SIGCONT')
    return now
  }

  running() {
    return [...this.recs.values()].filter((r) => r.state === 'running')
  }

  stopped() {
    return [...this.recs.values()].filter((r) => r.state === 'stopped')
  }

  truth() {
    return new Map([...this.recs].map(([id, r]) => [id, { state: r.state, since: r.since, pid: r.pid, exitedAt: r.exitedAt }]))
  }

  /** SIGTERM to every peer left (they must exit 0), SIGKILL to any still there after timeoutMs. */
  async stopAll(timeoutMs = 5000) {
    const left = [...this.recs.values()].filter((r) => r.exitedAt === null)
    for (const r of left) if (r.state !== 'gone') this.signal(r, 'SIGTERM')
    const exited = Promise.all(left.map((r) => (r.exitedAt !== null ? null : new Promise((res) => r.proc.once('exit', res)))))
    let timer
    await Promise.race([exited, new Promise((res) => (timer = setTimeout(res, timeoutMs)))])
    clearTimeout(timer)
    for (const r of left) {
      if (r.exitedAt === null) {
        this.watch.anomaly('unclean-exit', { peer: r.id, port: r.port, problem: `still running ${timeoutMs} ms after SIGTERM` })
        r.proc.kill('SIGKILL')
      }
    }
  }
}
