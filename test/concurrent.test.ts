import { execFileSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { oldestNode, oldestNodeVersion } from './helpers/oldest-node.js'
import { PORTS, range } from './helpers/ports.js'
import { allSee, CLI, report, spawnPeer, tempHome, waitFor } from './helpers/peers.js'

/**
 * `n` peers of one home started at once on the concurrent range (under `command`, if given): each takes
 * its own port, lands in servers.json, and every one lists all `n`; no stderr line may match `bad`.
 */
const startAtOnce = async (n: number, label: string, opts: { command?: string[]; convergeMs: number; bad: RegExp }) => {
  const home = tempHome()
  const t0 = Date.now()
  const peers = await Promise.all(Array.from({ length: n }, () => spawnPeer({ home, args: ['--ports', range(PORTS.concurrent)], ...(opts.command ? { command: opts.command } : {}) })))
  report(`${label}: all ready`, Date.now() - t0)
  expect(new Set(peers.map((p) => p.port)).size).toBe(n)
  const ids = peers.map((p) => p.id).sort()
  // Every peer's own registration survives the write race: no lost update.
  const file = JSON.parse(await readFile(join(home, 'servers.json'), 'utf8')) as { peers: { id: string }[] }
  expect(file.peers.map((p) => p.id).sort()).toEqual(ids)
  await waitFor(() => allSee(peers, ids), `all ${n} to list all ${n}`, opts.convergeMs)
  report(`${label}: directory converged`, Date.now() - t0)
  for (const p of peers) expect(p.stderr()).not.toMatch(opts.bad)
}

describe('20 peers started at once', () => {
  it('take distinct ports, all land in servers.json, and converge', async () => {
    await startAtOnce(20, '20 concurrent starts', { convergeMs: 20000, bad: /missing from servers.json/ })
  })
})

describe('40 peers started at once on the oldest Node engines allows', () => {
  // 40 on a 20-port range: 20 overflow peers besides, all contending for servers.json's lock on 2 cores.
  it(`v${oldestNodeVersion()}: all start, all land in servers.json, and converge`, async () => {
    const node = oldestNode()
    expect(execFileSync(node, ['--version'], { encoding: 'utf8' }).trim()).toBe(`v${oldestNodeVersion()}`)
    await startAtOnce(40, `40 concurrent starts on Node v${oldestNodeVersion()}`, { command: [node, CLI], convergeMs: 60000, bad: /missing from servers.json|could not register/ })
  }, 240_000)
})
