import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { call, INITIALIZE, initializedRaw, spawnRaw, startAgent, type Agent } from './helpers/mcp.js'
import { CLI, getJson, report, tempHome, waitFor } from './helpers/peers.js'
import { PORTS, range } from './helpers/ports.js'
import { roomClient } from './helpers/rooms.js'

const args = ['--ports', range(PORTS.mcp)]
const TOOLS = ['check_messages', 'dashboard_url', 'list_peers', 'list_rooms', 'read_room', 'send_message', 'write_room']

const urlOf = async (a: Agent): Promise<string> => (await call(a.client, 'list_peers')).data.peers.find((p: any) => p.you).url

describe('MCP over stdio, with the SDK client against the real CLI', () => {
  it('initialize answers with server info and capabilities; tools/list has the seven tools; dashboard_url gives the dashboard with the token', async () => {
    const home = await tempHome()
    const t0 = Date.now()
    const a = await startAgent({ home, name: 'probe', args })
    report('spawn -> initialize answered', Date.now() - t0)
    expect(a.client.getServerVersion()).toMatchObject({ name: 'peer-plan', version: expect.stringMatching(/^\d+\.\d+\.\d+/) })
    expect(a.client.getServerCapabilities()).toMatchObject({ tools: {}, resources: { subscribe: true, listChanged: true } })
    expect(a.client.getInstructions()).toMatch(/send_message/)
    const { tools } = await a.client.listTools()
    expect(tools.map((t) => t.name).sort()).toEqual(TOOLS)
    for (const t of tools) {
      expect(t.description!.length).toBeGreaterThan(40)
      expect(t.inputSchema.type).toBe('object')
    }
    const send = tools.find((t) => t.name === 'send_message')!
    expect(send.inputSchema.required).toEqual(['to', 'text'])
    const { resources } = await a.client.listResources()
    expect(resources.map((r) => r.uri)).toEqual(expect.arrayContaining(['peer-plan://peers', 'peer-plan://inbox']))
    const dashboard = (await call(a.client, 'dashboard_url')).data.url as string
    expect(dashboard).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]{64}$/)
  })

  it('three agents with different client names list each other with their agent info', async () => {
    const home = await tempHome()
    const specs = [
      { name: 'claude-code', version: '2.1.0', title: 'Claude Code', root: '/home/u/src/alpha' },
      { name: 'cursor-vscode', version: '1.5.0', root: '/home/u/src/beta' },
      { name: 'cline', version: '3.0.0' }
    ]
    const agents = await Promise.all(specs.map((s) => startAgent({ home, args, ...s })))
    const names = ['claude-code@alpha', 'cursor-vscode@beta', 'cline']
    for (const a of agents) {
      await waitFor(async () => {
        const { data } = await call(a.client, 'list_peers')
        return data.count === 3 && data.peers.every((p: any) => p.agents[0]?.ready && names.includes(p.name))
      }, 'every agent to see all three, ready and named')
    }
    const { data, text } = await call(agents[0]!.client, 'list_peers')
    expect(data.peers.filter((p: any) => p.you)).toHaveLength(1)
    const me = data.peers.find((p: any) => p.you)
    expect(me.name).toBe('claude-code@alpha')
    expect(me.agents[0]).toMatchObject({ client: 'claude-code', version: '2.1.0', title: 'Claude Code', workspace: 'alpha', ready: true, transport: 'stdio', session: expect.stringMatching(/^[0-9a-f]{16}$/) })
    const cline = data.peers.find((p: any) => p.name === 'cline')
    expect(cline.agents[0].workspace).toBeUndefined()
    expect(text).toMatch(/\* claude-code@alpha/)
    // The same, for a browser: /registry carries the agents.
    const registry = await getJson(`${me.url}/registry`)
    const entry = registry.peers.find((p: any) => p.id === me.id)
    expect(entry.agents[0]).toMatchObject({ client: 'claude-code', capabilities: ['roots'] })
    expect(JSON.stringify(registry)).not.toMatch(/home\/u\/src/)
  })

  it('send_message A -> B: B is notified once and check_messages gets it once; bad recipients are tool errors', async () => {
    const home = await tempHome()
    const [a, b] = await Promise.all([startAgent({ home, args, name: 'alice' }), startAgent({ home, args, name: 'bob', experimental: { 'claude/channel': {} } })])
    await waitFor(async () => (await call(a.client, 'list_peers')).data.peers.some((p: any) => p.name === 'bob'), 'alice to see bob')
    await b.client.subscribeResource({ uri: 'peer-plan://inbox' })
    const t0 = Date.now()
    const sent = await call(a.client, 'send_message', { to: 'bob', text: 'hello bob' })
    expect(sent.data).toMatchObject({ delivered: true, to: { name: 'bob' }, agents: 1 })
    await waitFor(() => b.seen.some((n) => n.method === 'notifications/resources/updated' && n.params.uri === 'peer-plan://inbox'), 'bob to be notified')
    report('send_message -> recipient notified', Date.now() - t0)
    const channel = await waitFor(() => b.seen.find((n) => n.method === 'notifications/claude/channel'), 'the channel notification')
    expect(channel.params).toMatchObject({ content: 'hello bob', meta: { from: 'alice' } })
    expect(a.seen.some((n) => n.method === 'notifications/claude/channel')).toBe(false)
    const first = await call(b.client, 'check_messages')
    expect(first.data.messages).toHaveLength(1)
    expect(first.data.messages[0]).toMatchObject({ text: 'hello bob', from: { name: 'alice', agent: 'alice' } })
    expect(first.text).toMatch(/alice .*: hello bob/)
    expect((await call(b.client, 'check_messages')).data.messages).toHaveLength(0)

    const unknown = await call(a.client, 'send_message', { to: 'nobody', text: 'x' }, true)
    expect(unknown.isError).toBe(true)
    expect(unknown.text).toMatch(/no peer "nobody"/)
    // A dead recipient: bob's process is gone but (for a moment) still listed, or already gone; an error either way.
    const bobId = sent.data.to.id
    process.kill(await b.peerPid(), 'SIGKILL')
    const dead = await call(a.client, 'send_message', { to: bobId, text: 'are you there?' }, true)
    expect(dead.isError).toBe(true)
    expect(dead.text).toMatch(/did not take the message|no peer/)
  })

  it('a subscribed peer-plan://peers gets updated when a peer joins and when it leaves', async () => {
    const home = await tempHome()
    const a = await startAgent({ home, args, name: 'watcher' })
    await a.client.subscribeResource({ uri: 'peer-plan://peers' })
    const listed = async (name: string) => JSON.parse(((await a.client.readResource({ uri: 'peer-plan://peers' })).contents[0] as { text: string }).text).peers.some((p: any) => p.name === name)
    const before = a.seen.length
    const b = await startAgent({ home, args, name: 'joiner' })
    await waitFor(() => listed('joiner'), 'the joiner in peer-plan://peers')
    // Updates are coalesced (20 ms), so the notification may trail the read that already shows the change.
    await waitFor(() => a.seen.slice(before).some((n) => n.params?.uri === 'peer-plan://peers'), 'an update for the join')
    const mid = a.seen.length
    await b.close()
    await waitFor(async () => !(await listed('joiner')), 'the joiner to leave peer-plan://peers')
    await waitFor(() => a.seen.slice(mid).some((n) => n.params?.uri === 'peer-plan://peers'), 'an update for the leave')
  })

  it('write_room publishes to a y-websocket page; read_room from another peer reads what the page wrote', async () => {
    const home = await tempHome()
    const [a, b] = await Promise.all([startAgent({ home, args, name: 'writer' }), startAgent({ home, args, name: 'reader' })])
    await call(a.client, 'write_room', { room: 'plan', text: '# Plan\n1. parse' })
    const doc = new Y.Doc()
    // A person's page: the token from the dashboard URL the agent was given.
    const token = new URL((await call(a.client, 'dashboard_url')).data.url).hash.replace('#token=', '')
    const provider = new WebsocketProvider((await urlOf(a)).replace('http', 'ws'), 'plan', doc, { WebSocketPolyfill: WebSocket as never, disableBc: true, params: { token } })
    try {
      await waitFor(() => doc.getText('content').toString() === '# Plan\n1. parse', 'the page to see the plan')
      doc.getText('content').insert(doc.getText('content').length, '\n2. reply from a person')
      await waitFor(async () => (await call(b.client, 'read_room', { room: 'plan', peer: 'writer' })).data.text.endsWith('2. reply from a person'), 'the reader to see the reply')
    } finally {
      provider.destroy()
    }
    await waitFor(async () => (await call(a.client, 'list_peers')).data.peers.find((p: any) => p.you).rooms.includes('plan'), 'the room in the directory')
    expect((await call(a.client, 'read_room', { room: 'plan' })).data.text).toMatch(/reply from a person/)
    // One doc across the mesh: the reader's own peer reads the same room, and list_rooms knows it.
    expect((await call(b.client, 'read_room', { room: 'plan' })).data.text).toMatch(/reply from a person/)
    await waitFor(async () => (await call(b.client, 'list_rooms')).data.rooms.some((r: any) => r.room === 'plan' && r.stored && r.homes.length === 2), 'list_rooms to show the room, stored, with its two homes')
    const bad = await call(a.client, 'write_room', { room: '_directory', text: 'x' }, true)
    expect(bad.isError).toBe(true)
    expect((await call(a.client, 'write_room', { room: 'plan', text: 'a', append: 'b' }, true)).text).toMatch(/exactly one/)
  })

  it('read_room of a room nobody wrote says it is empty and leaves nothing: no directory on disk, no stored room', async () => {
    const home = await tempHome()
    const a = await startAgent({ home, name: 'reader', args })
    await call(a.client, 'write_room', { room: 'real', text: 'x' })
    for (const room of ['typo-0', 'typo-1']) expect((await call(a.client, 'read_room', { room })).data.text).toBe('')
    await waitFor(async () => (await readdir(join(home, 'rooms'))).join() === 'real', 'only the written room on disk')
    const stored = async () => (await call(a.client, 'list_rooms')).data.rooms.filter((r: any) => r.stored).map((r: any) => r.room)
    await waitFor(async () => (await stored()).join() === 'real', 'list_rooms to show only the written room as stored')
  })

  it('a whole session at --log-level debug: every stdout line is JSON-RPC', async () => {
    const home = await tempHome()
    const { proc, out, err, exited, send } = spawnRaw(home, [CLI, '--no-mdns', '--log-level', 'debug', ...args])
    send(1, 'initialize', INITIALIZE('raw'))
    await waitFor(() => out().includes('"id":1'), 'the initialize answer')
    proc.stdin!.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
    send(2, 'tools/list')
    send(3, 'tools/call', { name: 'list_peers', arguments: {} })
    send(4, 'tools/call', { name: 'write_room', arguments: { room: 'r', text: 'hi' } })
    send(5, 'resources/read', { uri: 'peer-plan://inbox' })
    send(6, 'tools/call', { name: 'send_message', arguments: { to: 'nobody', text: 'x' } })
    proc.stdin!.write('this is not json\n')
    send(7, 'no/such/method')
    const answered = () => new Set(out().split('\n').filter(Boolean).map((l) => JSON.parse(l).id))
    await waitFor(() => [1, 2, 3, 4, 5, 6, 7].every((id) => answered().has(id)), 'every answer')
    proc.stdin!.end()
    expect(await exited).toBe(0)
    expect(err()).toMatch(/ debug: /)
    const lines = out().split('\n').filter(Boolean)
    expect(lines.length).toBeGreaterThanOrEqual(7)
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ jsonrpc: '2.0' })
  })

  it('an initialize the SDK refuses registers nothing; the first accepted one names the agent for good', async () => {
    const home = await tempHome()
    const { proc, err, exited, send, answer } = spawnRaw(home, [CLI, '--no-mdns', '--log-level', 'debug', ...args])
    let next = 100
    const agentsNamed = async () => {
      const id = next++
      send(id, 'tools/call', { name: 'list_peers', arguments: {} })
      await waitFor(() => answer(id), `list_peers (${id})`)
      return answer(id).result.structuredContent.peers.find((p: any) => p.you).agents.map((a: any) => a.client).join()
    }
    send(1, 'initialize', { capabilities: {}, clientInfo: { name: 'refused', version: '1' } })
    await waitFor(() => answer(1), 'the refusal')
    expect(answer(1).error).toBeDefined()
    send(2, 'initialize', INITIALIZE('accepted'))
    await waitFor(() => answer(2), 'the accepted initialize')
    expect(answer(2).result).toBeDefined()
    proc.stdin!.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
    // The entry is published a few ms after the registration.
    await waitFor(async () => (await agentsNamed()) === 'accepted', 'the accepted agent listed')
    send(4, 'initialize', INITIALIZE('second'))
    await waitFor(() => answer(4) && err().includes('a second initialize, ignored for the registration'), 'the second initialize answered and passed over')
    expect(await agentsNamed()).toBe('accepted')
    expect(err()).not.toMatch(/agent (refused|second)/)
    expect(err().match(/agent accepted .*registered/g)).toHaveLength(1)
    proc.stdin!.end()
    expect(await exited).toBe(0)
  })

  it('a message over 4 MiB is dropped with a warning and its request answered with an error; the session and the peer go on', async () => {
    const home = await tempHome()
    const { proc, err, exited, send, answer } = await initializedRaw(home, [CLI, '--no-mdns', ...args])
    // This writer puts the id first; the SDK's client puts it last (the next test).
    send(2, 'tools/call', { name: 'write_room', arguments: { room: 'big', text: 'A'.repeat(5 * 1024 * 1024) } })
    // A response too long to read is not answered: the client would take an error under its id for its own request's.
    proc.stdin!.write(JSON.stringify({ result: { roots: ['B'.repeat(5 * 1024 * 1024)] }, jsonrpc: '2.0', id: 3 }) + '\n')
    send(4, 'tools/call', { name: 'list_peers', arguments: {} })
    await waitFor(() => answer(4), 'the answer to the request after the oversized ones')
    expect(answer(2).error).toEqual({ code: -32600, message: expect.stringMatching(/^request of \d+ bytes not read: a message may be at most 4194304 bytes$/) })
    expect(answer(3)).toBeUndefined()
    expect(err()).toMatch(/dropped a message of \d+ bytes \(more than 4194304\); answered with an error/)
    expect(err()).toMatch(/dropped a message of \d+ bytes \(more than 4194304\); not a request with an id: nothing answered/)
    proc.stdin!.end()
    expect(await exited).toBe(0)
    expect(err()).toMatch(/stdin closed: leaving the mesh/)
  })

  it("the SDK's client gets its error for a request over 4 MiB at once, and goes on", async () => {
    const a = await startAgent({ home: await tempHome(), name: 'big-writer', args })
    const big = a.client.callTool({ name: 'write_room', arguments: { room: 'big', text: 'A'.repeat(5 * 1024 * 1024) } })
    await expect(big).rejects.toMatchObject({ code: -32600, message: expect.stringMatching(/a message may be at most 4194304 bytes/) })
    expect((await call(a.client, 'list_peers')).isError).toBe(false)
  })

  it("a room client writing with the peer's own Yjs client id: yjs's warning goes to stderr, stdout stays JSON-RPC", async () => {
    const home = await tempHome()
    const { proc, out, err, exited, send, answer } = await initializedRaw(home, [CLI, '--no-mdns', ...args])
    send(2, 'tools/call', { name: 'write_room', arguments: { room: 'plan', text: 'hello from the agent' } })
    send(3, 'tools/call', { name: 'dashboard_url', arguments: {} })
    await waitFor(() => answer(2) && answer(3), 'the write and the dashboard URL')
    const dashboard = new URL(answer(3).result.structuredContent.url)
    const client = roomClient({ url: dashboard.origin, token: dashboard.hash.replace('#token=', '') }, 'plan')
    await waitFor(() => client.text() === 'hello from the agent', 'the room client to sync')
    // yjs takes a foreign update in its own client id for a clash, changes its id and says so with console.log.
    const own = client.doc.clientID
    client.doc.clientID = [...client.doc.store.clients.keys()].find((id) => id !== own)!
    client.doc.getText('content').insert(0, 'X')
    client.doc.clientID = own
    await waitFor(() => err().includes('Changed the client-id'), "yjs's warning on stderr")
    proc.stdin!.end()
    expect(await exited).toBe(0)
    for (const line of out().split('\n').filter(Boolean)) expect(JSON.parse(line)).toMatchObject({ jsonrpc: '2.0' })
  })
})
