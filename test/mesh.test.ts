import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PORTS, range } from './helpers/ports.js'
import { allSee, registryIds, report, spawnPeer, tempHome, waitFor, type PeerProc } from './helpers/peers.js'
import { suiteScope, type Scope } from './helpers/scope.js'

const start = (home: string, n: number, scope: Scope) => Promise.all(Array.from({ length: n }, () => spawnPeer({ home, scope, args: ['--ports', range(PORTS.mesh)] })))

const fileIds = async (home: string): Promise<string[]> =>
  (JSON.parse(await readFile(join(home, 'servers.json'), 'utf8')) as { peers: { id: string }[] }).peers.map((p) => p.id).sort()

describe('a mesh of real peer processes', () => {
  let home: string
  let peers: PeerProc[]
  // One mesh for the whole block: each test picks up where the last left it.
  const scope = suiteScope()

  it('converges: 3 peers each list all 3', async () => {
    home = tempHome(scope)
    const t0 = Date.now()
    peers = await start(home, 3, scope)
    const ids = peers.map((p) => p.id)
    await waitFor(() => allSee(peers, ids), 'every peer to list all 3')
    report('converge@3 (spawn to all listed)', Date.now() - t0)
    expect(new Set(peers.map((p) => p.port)).size).toBe(3)
    expect(await fileIds(home)).toEqual([...ids].sort())
    for (const p of peers) expect(p.stdout()).toBe('')
  })

  it('evicts a SIGKILLed peer from every /registry and from servers.json', async () => {
    const [victim, ...rest] = peers
    const t0 = Date.now()
    victim!.kill('SIGKILL')
    await waitFor(() => allSee(rest, rest.map((p) => p.id)), 'the killed peer to leave every /registry')
    report('evict after SIGKILL', Date.now() - t0)
    await waitFor(async () => !(await fileIds(home)).includes(victim!.id), 'the killed peer to leave servers.json')
    report('prune servers.json after SIGKILL', Date.now() - t0)
    peers = rest
  })

  it('evicts a hung (SIGSTOP) peer, and takes it back after SIGCONT', async () => {
    peers.push(await spawnPeer({ home, scope, args: ['--ports', range(PORTS.mesh)] }))
    await waitFor(() => allSee(peers, peers.map((p) => p.id)), 'the new peer to be listed everywhere')
    const [hung, ...rest] = peers
    const t0 = Date.now()
    hung!.kill('SIGSTOP')
    await waitFor(() => allSee(rest, rest.map((p) => p.id)), 'the hung peer to leave every /registry', 10000)
    report('evict after SIGSTOP', Date.now() - t0)
    // It is alive, only stopped: servers.json keeps it.
    expect(await fileIds(home)).toContain(hung!.id)
    const t1 = Date.now()
    hung!.kill('SIGCONT')
    await waitFor(() => allSee(peers, peers.map((p) => p.id)), 'the resumed peer to be back everywhere')
    report('return after SIGCONT', Date.now() - t1)
    expect(hung!.stderr()).toMatch(/directory entry was removed while it lives; putting it back/)
  })

  it('a restarted peer reappears', async () => {
    const [old, ...rest] = peers
    old!.kill('SIGTERM')
    expect((await old!.exited).code).toBe(0)
    await waitFor(() => allSee(rest, rest.map((p) => p.id)), 'the stopped peer to leave')
    const again = await spawnPeer({ home, scope, args: ['--ports', range(PORTS.mesh), '--port', String(old!.port)] })
    peers = [...rest, again]
    await waitFor(() => allSee(peers, peers.map((p) => p.id)), 'the restarted peer to be listed everywhere')
    expect(await registryIds(again)).toHaveLength(3)
  })
})
