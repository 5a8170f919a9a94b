import { spawn } from 'node:child_process'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it, onTestFinished } from 'vitest'
import type { PeerEntry } from '../../src/shared/schema.js'
import { KnownPeers } from '../../src/node/known-peers.js'
import { probePeer, type Verdict } from '../../src/node/liveness.js'
import { createLogger } from '../../src/node/log.js'
import { judge, OVERLOADED_STRIKES, Prober, SLOW_STRIKES } from '../../src/node/prober.js'
import { machineId, selfIdentity } from '../../src/node/process-identity.js'

const hostId = machineId()
const entry = (over: Partial<PeerEntry> = {}): PeerEntry => ({
  id: 'abcd1234',
  name: 'p',
  // Port 9 (discard) on loopback: nothing listens, so /health is refused at once.
  url: 'http://127.0.0.1:9',
  host: '127.0.0.1',
  port: 9,
  ...selfIdentity(),
  hostId,
  version: '0',
  protocol: 1,
  startedAt: 0,
  ...over
})

/** A real child process, killed when the test ends. */
const child = () => {
  const p = spawn('sleep', ['60'], { stdio: 'ignore' })
  onTestFinished(() => {
    p.kill('SIGCONT')
    p.kill('SIGKILL')
  })
  return p
}

const stateOf = async (pid: number, want: string) => {
  const { readFileSync } = await import('node:fs')
  for (let i = 0; i < 500; i++) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith(want)) return
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error(`process ${pid} never reached state ${want}`)
}

describe('probePeer verdicts, on real processes', () => {
  it('a dead pid is gone without asking the network', async () => {
    const p = child()
    const pid = p.pid!
    const { pidStart } = selfIdentity()
    p.kill('SIGKILL')
    await new Promise((r) => p.once('exit', r))
    const v = await probePeer(entry({ pid, pidStart }), { hostId, timeoutMs: 500 })
    expect(v).toEqual({ alive: false, reason: `process ${pid} is gone` })
  })

  it('a reused pid (same pid, other start time) is gone', async () => {
    const me = selfIdentity()
    const v = await probePeer(entry({ pid: me.pid, pidStart: (me.pidStart ?? 0) + 1 }), { hostId, timeoutMs: 500 })
    expect(v.alive).toBe(false)
  })

  it('a stopped process (SIGSTOP) is gone', async () => {
    const p = child()
    p.kill('SIGSTOP')
    await stateOf(p.pid!, 'T')
    const { readFileSync } = await import('node:fs')
    const stat = readFileSync(`/proc/${p.pid}/stat`, 'utf8')
    const pidStart = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19])
    const v = await probePeer(entry({ pid: p.pid!, pidStart }), { hostId, timeoutMs: 500 })
    expect(v).toEqual({ alive: false, reason: `process ${p.pid} is stopped` })
  })

  it('a live process whose port refuses is gone; another machine is judged by /health alone', async () => {
    expect((await probePeer(entry(), { hostId, timeoutMs: 500 })).alive).toBe(false)
    const v = await probePeer(entry({ hostId: 'another-machine', pid: 999999 }), { hostId, timeoutMs: 500 })
    expect(v.alive).toBe(false)
    expect((v as { reason: string }).reason).toMatch(/^\/health: /)
  })

  it('a live process whose /health hangs is slow; on an overloaded machine, says so', async () => {
    // A loopback server that takes the connection and never answers.
    const server = createServer(() => {})
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    onTestFinished(() => void server.close())
    const port = (server.address() as AddressInfo).port
    const hung = entry({ url: `http://127.0.0.1:${port}`, port })
    expect(await probePeer(hung, { hostId, timeoutMs: 100, load: () => 0.5 })).toEqual({ alive: 'slow', reason: '/health: no answer in 100 ms' })
    expect(await probePeer(hung, { hostId, timeoutMs: 100, load: () => 9 })).toEqual({ alive: 'slow', reason: '/health: no answer in 100 ms (load 9.0 per core)', overloaded: true })
  })
})

describe('judge', () => {
  it('keeps a live peer and clears its strikes', () => {
    expect(judge({ alive: true }, 2)).toEqual({ evict: false, strikes: 0, note: null })
  })

  it(`keeps a slow peer until its ${SLOW_STRIKES}rd slow answer in a row`, () => {
    const slow: Verdict = { alive: 'slow', reason: 'no answer in 1500 ms' }
    let strikes = 0
    const decisions = []
    for (let i = 0; i < SLOW_STRIKES; i++) {
      const d = judge(slow, strikes)
      decisions.push(d.evict)
      strikes = d.strikes
    }
    expect(decisions).toEqual([...Array(SLOW_STRIKES - 1).fill(false), true])
    expect(strikes).toBe(0)
  })

  it('evicts a gone peer at once', () => {
    expect(judge({ alive: false, reason: 'x' }, 0)).toEqual({ evict: true, strikes: 0, reason: 'x' })
  })

  it(`on an overloaded machine, a slow peer is kept until its ${OVERLOADED_STRIKES}th slow answer in a row`, () => {
    const busy: Verdict = { alive: 'slow', reason: 'no answer in 1500 ms (load 12.0 per core)', overloaded: true }
    let strikes = 0
    const decisions: boolean[] = []
    for (let i = 0; i < OVERLOADED_STRIKES; i++) {
      const d = judge(busy, strikes)
      decisions.push(d.evict)
      strikes = d.strikes
    }
    expect(decisions).toEqual([...Array(OVERLOADED_STRIKES - 1).fill(false), true])
  })
})

describe('Prober', () => {
  const make = (verdicts: Verdict[]) => {
    const calls = { alive: 0, gone: [] as string[] }
    const prober = new Prober({
      known: new KnownPeers(),
      hostId,
      timeoutMs: 100,
      log: createLogger('error', 'test'),
      running: () => true,
      onAlive: () => calls.alive++,
      onGone: (_e, reason) => calls.gone.push(reason),
      probe: async () => verdicts.shift()!
    })
    return { prober, calls }
  }

  it('evicts after three slow probes in a row, not before; a good answer in between resets', async () => {
    const slow: Verdict = { alive: 'slow', reason: 'slow' }
    const { prober, calls } = make([slow, slow, { alive: true }, slow, slow, slow])
    for (let i = 0; i < 5; i++) await prober.check(entry(), 'test', true)
    expect(calls.gone).toEqual([])
    await prober.check(entry(), 'test', true)
    expect(calls.gone).toEqual(['test; slow (3 times in a row)'])
    expect(calls.alive).toBe(5)
  })

  it('runs one probe per peer at a time', async () => {
    let release!: (v: Verdict) => void
    const known = new KnownPeers()
    let probes = 0
    const prober = new Prober({ known, hostId, timeoutMs: 100, log: createLogger('error', 't'), running: () => true, onAlive: () => {}, onGone: () => {}, probe: () => (probes++, new Promise<Verdict>((r) => (release = r))) })
    const first = prober.check(entry(), 'a', false)
    await prober.check(entry(), 'b', false)
    release({ alive: true })
    await first
    expect(probes).toBe(1)
    expect(known.get(entry().id)?.probing).toBe(false)
  })
})
