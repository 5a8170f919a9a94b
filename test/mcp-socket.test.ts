import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { connect } from 'node:net'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { call, INITIALIZE, socketAgent, startAgent } from './helpers/mcp.js'
import { runCli, spawnPeer, tempHome, waitFor, type PeerProc } from './helpers/peers.js'
import { PORTS, range } from './helpers/ports.js'

// Two halves: the table test must not find the peers the other tests leave running until the file ends.
const [lo, hi] = PORTS.mcpSocket
const args = ['--ports', range([lo, lo + 9])]
const tableArgs = ['--ports', range([lo + 10, hi])]
const socketOf = (p: PeerProc): string => /socket=(\S+)/.exec(p.stderr())![1]!

describe('MCP on the peer socket, $PEER_PLAN_HOME/run/<id>.sock', () => {
  it('two clients on one peer socket are both registered and listed; the socket is 0600 in a 0700 directory', async () => {
    const home = await tempHome()
    const peer = await spawnPeer({ home, args })
    const path = socketOf(peer)
    expect(path).toBe(join(home, 'run', `${peer.id}.sock`))
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(statSync(join(home, 'run')).mode & 0o777).toBe(0o700)
    const a = await socketAgent(path, { name: 'tool-a', version: '0.1' })
    const b = await socketAgent(path, { name: 'tool-b', version: '0.2' })
    const agentsOf = async () => (await call(a.client, 'list_peers')).data.peers.find((p: any) => p.id === peer.id).agents
    // `ready` follows notifications/initialized, which the server takes after connect() has returned.
    await waitFor(async () => {
      const now = await agentsOf()
      return now.length === 2 && now.every((x: any) => x.ready)
    }, 'both clients in the entry, ready')
    const agents = await agentsOf()
    expect(agents.map((x: any) => x.client).sort()).toEqual(['tool-a', 'tool-b'])
    expect(agents.every((x: any) => x.transport === 'socket' && x.ready)).toBe(true)
    expect(new Set(agents.map((x: any) => x.session)).size).toBe(2)
    // The same peer answers both: a message to itself reaches each client's own cursor.
    await call(b.client, 'send_message', { to: peer.id, text: 'note to self' })
    expect((await call(a.client, 'check_messages')).data.messages.map((m: any) => m.text)).toEqual(['note to self'])
    expect((await call(b.client, 'check_messages')).data.messages.map((m: any) => m.text)).toEqual(['note to self'])
    await b.client.close()
    await waitFor(async () => (await agentsOf()).length === 1, 'the closed client to leave the entry')
  })

  it('a client gone with answers unread (a reset socket) ends its session only: the peer and its other clients go on', async () => {
    const home = await tempHome()
    const peer = await spawnPeer({ home, args })
    const path = socketOf(peer)
    const other = await socketAgent(path, { name: 'stays', version: '1' })
    for (let round = 0; round < 3; round++) {
      const s = connect(path)
      await new Promise((r, j) => (s.once('connect', r), s.once('error', j)))
      s.on('error', () => {})
      s.write(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: INITIALIZE(`gone-${round}`) }) + '\n')
      for (let i = 2; i < 200; i++) s.write(JSON.stringify({ jsonrpc: '2.0', id: i, method: 'ping' }) + '\n')
      // Wait until answers are waiting unread, then go: the peer's read or write fails (ECONNRESET, EPIPE), no end comes.
      await waitFor(() => s.readableLength > 0, 'answers waiting unread')
      s.destroy()
      const listed = async () => (await call(other.client, 'list_peers')).data.peers.find((p: any) => p.id === peer.id).agents.map((a: any) => a.client)
      await waitFor(async () => !(await listed()).includes(`gone-${round}`), `the reset client ${round} to leave the entry`)
    }
    await waitFor(async () => (await call(other.client, 'list_peers')).data.peers.find((p: any) => p.id === peer.id).agents.map((a: any) => a.client).join() === 'stays', 'only the client that stayed listed')
    expect(peer.proc.exitCode).toBeNull()
    expect(peer.stderr()).not.toMatch(/uncaught/)
  })

  it('a stale socket is reclaimed at start; a live peer socket is never touched', async () => {
    const home = await tempHome()
    const live = await startAgent({ home, args, name: 'alive' })
    const liveId = (await call(live.client, 'list_peers')).data.self
    const liveSocket = join(home, 'run', `${liveId}.sock`)
    await waitFor(() => existsSync(liveSocket), 'the live socket')
    // A process that listened on a socket and was SIGKILLed leaves the file behind, with nobody listening.
    const stale = join(home, 'run', 'deadbeefdeadbeef.sock')
    const holder = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(stale)}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] })
    await new Promise((r) => holder.stdout.once('data', r))
    holder.kill('SIGKILL')
    await new Promise((r) => holder.on('exit', r))
    expect(existsSync(stale)).toBe(true)
    mkdirSync(join(home, 'run', 'not-a-socket.sock'), { recursive: true })
    writeFileSync(join(home, 'run', 'notes.txt'), 'left alone')

    const next = await spawnPeer({ home, args })
    expect(next.stderr()).toMatch(/removed 1 stale socket\(s\) of dead peers: deadbeefdeadbeef\.sock/)
    expect(existsSync(stale)).toBe(false)
    expect(existsSync(liveSocket)).toBe(true)
    expect(existsSync(join(home, 'run', 'not-a-socket.sock'))).toBe(true)
    const viaSocket = await socketAgent(liveSocket, { name: 'checker' })
    expect((await call(viaSocket.client, 'list_peers')).data.self).toBe(liveId)
  })

  it('peer-plan-node peers prints the mesh as a table through any live peer; none -> exit 1', async () => {
    const home = await tempHome()
    const none = await runCli(['peers', ...tableArgs], { home })
    expect(none.code).toBe(1)
    expect(none.stdout).toBe('')
    expect(none.stderr).toMatch(/no live peer found/)

    const plain = await spawnPeer({ home, args: tableArgs })
    const agent = await startAgent({ home, args: tableArgs, name: 'claude-code', root: '/home/u/src/tablework' })
    await waitFor(async () => /claude-code@tablework/.test((await runCli(['peers', ...tableArgs], { home })).stdout), 'the agent in the table')
    const table = await runCli(['peers', ...tableArgs], { home })
    expect(table.code).toBe(0)
    const [rows, dashboard] = table.stdout.trimEnd().split('\n\n')
    const lines = rows!.split('\n')
    expect(lines[0]).toMatch(/^\s*ID\s+NAME\s+AGENT\s+WORKSPACE\s+URL\s+PID\s+AGE\s+ROOMS$/)
    expect(lines).toHaveLength(3)
    expect(dashboard).toMatch(/^dashboard: http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]{64}$/)
    expect(table.stdout).toMatch(new RegExp(`${plain.id}\\s+peer-\\d+\\s+-\\s+-\\s+${plain.url}`))
    expect(table.stdout).toMatch(/claude-code@tablework\s+claude-code 1\.0\.0\s+tablework/)
    expect((await runCli(['bogus'], { home })).stderr).toMatch(/unexpected argument "bogus": not a command/)
    await agent.close()
  })

  it('peer-plan-node peers: a stranger squatting a range port never sees the token, and is printed only when no peer of the home answers', async () => {
    const home = await tempHome()
    const [squatPort] = [lo + 10]
    const seen: (string | undefined)[] = []
    const squatter = createServer((req, res) => {
      seen.push(req.headers.authorization)
      const self = { id: 'ffffffffffffffff', name: 'squatter', url: `http://127.0.0.1:${squatPort}`, host: '127.0.0.1', port: squatPort, pid: 1, pidStart: null, hostId: 'h', version: '1', protocol: 1, startedAt: 0 }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ self: self.id, peers: [self] }))
    })
    await new Promise<void>((r) => squatter.listen(squatPort, '127.0.0.1', r))
    onTestFinished(() => new Promise<void>((r) => (squatter.closeAllConnections(), squatter.close(() => r()))))
    const real = await spawnPeer({ home, args: tableArgs })
    const table = await runCli(['peers', ...tableArgs], { home })
    expect(table.stdout).toContain(real.id)
    expect(table.stdout).not.toContain('squatter')
    expect(table.stdout).toMatch(new RegExp(`dashboard: ${real.url}/#token=[0-9a-f]{64}`))
    await real.stop()
    const only = await runCli(['peers', ...tableArgs], { home })
    expect(only.stdout).toContain('squatter')
    expect(only.stdout).toMatch(/without the access token: rooms are not shown/)
    expect(table.stdout).not.toMatch(/without the access token/)
    expect(only.stdout).toMatch(new RegExp(`dashboard: http://127\\.0\\.0\\.1:${squatPort}/\n`))
    expect(seen.length).toBeGreaterThan(0)
    expect(seen.every((a) => a === undefined)).toBe(true)
  })
})
