import { execFileSync } from 'node:child_process'
import { closeSync, existsSync, openSync, readdirSync, writeSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { alive, call, INITIALIZE, spawnRaw, startAgent } from './helpers/mcp.js'
import { CLI, registryIds, report, spawnPeer, tempHome, waitFor } from './helpers/peers.js'
import { PORTS, range } from './helpers/ports.js'

const args = ['--ports', range(PORTS.mcpLifecycle)]
const listed = async (home: string): Promise<string[]> => {
  const text = await readFile(join(home, 'servers.json'), 'utf8').catch(() => '{"peers":[]}')
  return (JSON.parse(text) as { peers: { id: string }[] }).peers.map((p) => p.id)
}
const sockets = (home: string): string[] => (existsSync(join(home, 'run')) ? readdirSync(join(home, 'run')) : [])

const ownId = async (client: Parameters<typeof call>[0]): Promise<string> => (await call(client, 'list_peers')).data.self

describe('an MCP peer lives as long as its agent', () => {
  it('stdin closed: the peer exits and is gone from every /registry, servers.json and run/', async () => {
    const home = await tempHome()
    const others = await Promise.all([spawnPeer({ home, args }), spawnPeer({ home, args })])
    const agent = await startAgent({ home, args, name: 'short-lived' })
    const id = await ownId(agent.client)
    await waitFor(async () => (await Promise.all(others.map(registryIds))).every((ids) => ids.includes(id)), 'the others to list the agent')
    const pid = await agent.peerPid()
    const t0 = Date.now()
    await agent.close()
    report('stdin EOF -> exit (client.close)', Date.now() - t0)
    await waitFor(() => !alive(pid), 'the peer process to end')
    expect(agent.stderr()).toMatch(/stdin closed: leaving the mesh/)
    expect(agent.stderr()).not.toMatch(/SIGTERM|exiting anyway/)
    expect(await listed(home)).not.toContain(id)
    expect(sockets(home).filter((s) => s.startsWith(id))).toEqual([])
    await waitFor(async () => (await Promise.all(others.map(registryIds))).every((ids) => !ids.includes(id)), 'the others to drop it')
    report('stdin EOF -> gone from the others', Date.now() - t0)
  })

  it.each([
    ['a node wrapper (as npx runs it)', 'node'],
    ['npx-like: node wrapper -> sh -> peer, wrapper killed', 'node-sh']
  ])('the launcher SIGKILLed, %s, stdin still open: the peer exits', async (_what, kind) => {
    const home = await tempHome()
    const wrapper = join(home, '..', 'wrapper.mjs')
    // Like npx: spawn the real program with our stdio and wait for it.
    await writeFile(wrapper, "import { spawn } from 'node:child_process'\nconst [cmd, ...rest] = process.argv.slice(2)\nspawn(cmd, rest, { stdio: 'inherit' })\n")
    const node = process.execPath
    const cli = ['--no-mdns', ...args]
    const argv = kind === 'node' ? [wrapper, node, CLI, ...cli] : [wrapper, 'sh', '-c', `"${node}" "${CLI}" ${cli.join(' ')}; true`]
    // stdin is a FIFO this test holds open: Node destroys a child's stdin pipe when the child exits, and
    // the SDK's client closes it, so either would be EOF; this tests the launcher's death alone.
    const fifo = join(home, '..', 'stdin.fifo')
    execFileSync('mkfifo', [fifo])
    const stdin = openSync(fifo, 'r+')
    const { proc: launcher, out, err } = spawnRaw(home, argv, stdin)
    const peerPid = () => Number(/peer-plan-node\[(\d+)\]/.exec(err())?.[1])
    onTestFinished(() => closeSync(stdin))
    writeSync(stdin, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: INITIALIZE(`orphan-${kind}`) }) + '\n')
    await waitFor(() => out().includes('"id":1') && /ready .* id=(\S+)/.test(err()), 'the answer and the ready line')
    const id = /ready .* id=(\S+)/.exec(err())![1]!
    const pid = peerPid()
    expect(pid).not.toBe(launcher.pid)
    const t0 = Date.now()
    launcher.kill('SIGKILL')
    await waitFor(() => !alive(pid), 'the peer to notice and exit')
    report(`launcher SIGKILL -> exit (${kind})`, Date.now() - t0)
    expect(err()).toMatch(/(parent|launcher) process \d+ exited: leaving the mesh/)
    expect(await listed(home)).not.toContain(id)
    expect(sockets(home)).toEqual([])
  })

  it.each(['SIGTERM', 'SIGINT', 'SIGHUP'] as const)('%s in MCP mode: exit 0, entry and socket gone', async (signal) => {
    const home = await tempHome()
    const agent = await startAgent({ home, args, name: `signalled-${signal}` })
    const id = await ownId(agent.client)
    const pid = await agent.peerPid()
    process.kill(pid, signal)
    await waitFor(() => !alive(pid), 'exit')
    expect(agent.stderr()).toMatch(new RegExp(`${signal}: leaving the mesh`))
    expect(await listed(home)).not.toContain(id)
    expect(sockets(home)).toEqual([])
  })

  it('EPIPE: the client stopped reading stdout; the next answer fails and the peer leaves', async () => {
    const home = await tempHome()
    const raw = spawnRaw(home, [CLI, '--no-mdns', ...args])
    raw.send(1, 'initialize', INITIALIZE('deaf'))
    await waitFor(() => raw.out().includes('"id":1') && /ready .* id=(\S+)/.test(raw.err()), 'the answer and the ready line')
    const id = /ready .* id=(\S+)/.exec(raw.err())![1]!
    raw.proc.stdout!.destroy()
    raw.send(2, 'tools/list')
    expect(await raw.exited).toBe(0)
    expect(raw.err()).toMatch(/stdout EPIPE: leaving the mesh/)
    expect(await listed(home)).not.toContain(id)
    expect(sockets(home)).toEqual([])
  })

  it('stdin closed while the peer is still starting: nothing is left behind', async () => {
    const home = await tempHome()
    for (let i = 0; i < 5; i++) {
      const raw = spawnRaw(home, [CLI, '--no-mdns', ...args])
      raw.send(1, 'initialize', INITIALIZE(`hasty-${i}`))
      raw.proc.stdin!.end()
      expect(await raw.exited).toBe(0)
    }
    expect(await listed(home)).toEqual([])
    expect(sockets(home)).toEqual([])
  })

  it('20 spawn/close cycles leave 0 processes, 0 entries and 0 sockets', async () => {
    const home = await tempHome()
    const pids: number[] = []
    const t0 = Date.now()
    for (let i = 0; i < 20; i++) {
      const agent = await startAgent({ home, args, name: `cycle-${i}` })
      await ownId(agent.client)
      pids.push(await agent.peerPid())
      await agent.close()
    }
    report('20 spawn/close cycles', Date.now() - t0)
    await waitFor(() => pids.every((p) => !alive(p)), 'every peer process to end')
    expect(await listed(home)).toEqual([])
    expect(sockets(home)).toEqual([])
  })

  it('--mcp off with a pipe: no JSON-RPC, EOF ignored; --mcp stdio with /dev/null: MCP, and EOF at once', async () => {
    const home = await tempHome()
    const off = spawnRaw(home, [CLI, '--no-mdns', '--mcp', 'off', ...args])
    await waitFor(() => /ready /.test(off.err()), 'the peer to start')
    off.proc.stdin!.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: INITIALIZE('ignored') }) + '\n')
    const id = /id=(\S+)/.exec(off.err())![1]!
    await waitFor(async () => (await listed(home)).includes(id), 'the peer in servers.json')
    expect(alive(off.proc.pid!)).toBe(true)
    off.proc.kill('SIGTERM')
    expect(await off.exited).toBe(0)
    expect(off.out()).toBe('')
    expect(off.err()).not.toMatch(/mcp=stdio/)

    const on = spawnRaw(home, [CLI, '--no-mdns', '--mcp', 'stdio', ...args], 'ignore')
    expect(await on.exited).toBe(0)
    expect(on.err()).toMatch(/stdin closed: leaving the mesh/)
  })
})
