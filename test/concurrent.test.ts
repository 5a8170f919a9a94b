import { execFileSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { oldestNode, oldestNodeVersion } from './helpers/oldest-node.js'
import { PORTS, range } from './helpers/ports.js'
import { allSee, CLI, report, spawnPeer, tempHome, waitFor } from './helpers/peers.js'

describe('20 peers started at once', () => {
  it('take distinct ports, all land in servers.json, and converge', async () => {
    const home = tempHome()
    const t0 = Date.now()
    const peers = await Promise.all(Array.from({ length: 20 }, () => spawnPeer({ home, args: ['--ports', range(PORTS.concurrent)] })))
    report('20 concurrent starts: all ready', Date.now() - t0)
    expect(new Set(peers.map((p) => p.port)).size).toBe(20)
    const ids = peers.map((p) => p.id).sort()
    // Every peer's own registration survives the write race: no lost update.
    const file = JSON.parse(await readFile(join(home, 'servers.json'), 'utf8')) as { peers: { id: string }[] }
    expect(file.peers.map((p) => p.id).sort()).toEqual(ids)
    await waitFor(() => allSee(peers, ids), 'all 20 to list all 20', 20000)
    report('20 concurrent starts: directory converged', Date.now() - t0)
    for (const p of peers) expect(p.stderr()).not.toMatch(/missing from servers.json/)
  })
})

describe('40 peers started at once on the oldest Node engines allows', () => {
  // 40 on a 20-port range: 20 overflow peers besides, all contending for servers.json's lock on 2 cores.
  it(`v${oldestNodeVersion()}: all start, all land in servers.json, and converge`, async () => {
    const node = oldestNode()
    expect(execFileSync(node, ['--version'], { encoding: 'utf8' }).trim()).toBe(`v${oldestNodeVersion()}`)
    const home = tempHome()
    const t0 = Date.now()
    const peers = await Promise.all(Array.from({ length: 40 }, () => spawnPeer({ home, args: ['--ports', range(PORTS.concurrent)], command: [node, CLI] })))
    report(`40 concurrent starts on Node v${oldestNodeVersion()}: all ready`, Date.now() - t0)
    expect(new Set(peers.map((p) => p.port)).size).toBe(40)
    const ids = peers.map((p) => p.id).sort()
    const file = JSON.parse(await readFile(join(home, 'servers.json'), 'utf8')) as { peers: { id: string }[] }
    expect(file.peers.map((p) => p.id).sort()).toEqual(ids)
    await waitFor(() => allSee(peers, ids), 'all 40 to list all 40', 60000)
    report(`40 concurrent starts on Node v${oldestNodeVersion()}: directory converged`, Date.now() - t0)
    for (const p of peers) expect(p.stderr()).not.toMatch(/missing from servers.json|could not register/)
  }, 240_000)
})
