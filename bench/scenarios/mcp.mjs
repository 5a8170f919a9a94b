/**
 * The agent's view, timed with the official SDK client against the real CLI as separate processes:
 *
 *   floor-node-spawn  spawn `node` running a one-line echo until it answers one line on stdout: what a
 *                     process start costs on this machine, with none of peer-plan
 *   mcp-initialize    spawn peer-plan-node through StdioClientTransport until `initialize` is answered;
 *                     then, untimed, one tool call and 1 s idle, and the agent's peer's resident set
 *                     (`rss_mib`, and `rss_ratio` against floor-node-start's when startup ran)
 *   mcp-message       agent A's send_message call until agent B's client receives
 *                     notifications/resources/updated for peer-plan://inbox (B subscribed)
 *
 * Ports: ctx.ports.mcp (the bench's block is 24000-24999).
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Client } from '@modelcontextprotocol/client'
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/client/stdio'
import { makeHome, rssMiB, sleep } from '../lib/peers.mjs'
import { ratioOf, summarize } from '../lib/stats.mjs'

const CLI = fileURLToPath(new URL('../../bin/peer-plan-node.js', import.meta.url))

/** An agent: the SDK's transport gives its peer getDefaultEnvironment() and this `env` on top. */
const agent = async (home, name, ports) => {
  const client = new Client({ name, version: '1.0.0' })
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, '--no-mdns', '--ports', ports], env: { PEER_PLAN_HOME: home }, stderr: 'ignore' })
  const t0 = performance.now()
  await client.connect(transport)
  return { client, pid: transport.pid, initializeMs: performance.now() - t0 }
}

const floorSpawn = () =>
  new Promise((resolve, reject) => {
    const t0 = performance.now()
    // Started with the agent's environment: what Node's own start costs depends on it (lib/environment.mjs).
    const p = spawn(process.execPath, ['-e', "process.stdin.once('data', (d) => process.stdout.write(d, () => process.exit(0)))"], { stdio: ['pipe', 'pipe', 'ignore'], env: getDefaultEnvironment() })
    p.stdout.once('data', () => resolve(performance.now() - t0))
    p.on('error', reject)
    p.stdin.end('{}\n')
  })

const untilNotified = (seen, since) =>
  new Promise((resolve) => {
    const check = () => {
      const hit = seen.find((s) => s.at >= since)
      if (hit) resolve(hit.at - since)
      else setImmediate(check)
    }
    check()
  })

export const runMcpScenarios = async ({ wants, record, runs, progress, ports: P, scenarios }) => {
  const ports = `${P.mcp[0]}-${P.mcp[1]}`
  if (wants('floor-node-spawn')) {
    progress('floor-node-spawn: a bare node process answering one line')
    const xs = []
    for (let i = 0; i < runs; i++) xs.push(await floorSpawn())
    record('floor-node-spawn', xs)
  }
  if (wants('mcp-initialize')) {
    progress('mcp-initialize: spawn peer-plan-node with the SDK client until initialize is answered')
    const home = makeHome()
    const xs = []
    const rss = []
    for (let i = 0; i < runs; i++) {
      const a = await agent(home, `bench-init-${i}`, ports)
      xs.push(a.initializeMs)
      // What an agent's peer weighs: by its first tool call it has loaded the MCP SDK and zod, which a
      // peer with no agent (startup's) never does.
      await a.client.callTool({ name: 'list_peers', arguments: {} })
      await sleep(1000)
      rss.push(rssMiB(a.pid))
      await a.client.close()
    }
    const rssMib = summarize(rss).p50_ms
    const bareRss = scenarios['floor-node-start']?.rss_mib
    record('mcp-initialize', xs, { rss_mib: rssMib, ...(bareRss ? { rss_ratio: ratioOf(rssMib, bareRss) } : {}) })
  }
  if (wants('mcp-message')) {
    progress('mcp-message: send_message from agent A until agent B is notified')
    const home = makeHome()
    const [a, b] = await Promise.all([agent(home, 'bench-alice', ports), agent(home, 'bench-bob', ports)])
    const seen = []
    b.client.setNotificationHandler('notifications/resources/updated', (n) => void (n.params.uri === 'peer-plan://inbox' && seen.push({ at: performance.now() })))
    await b.client.subscribeResource({ uri: 'peer-plan://inbox' })
    const bobId = (await b.client.callTool({ name: 'list_peers', arguments: {} })).structuredContent.self
    for (;;) {
      const r = await a.client.callTool({ name: 'send_message', arguments: { to: bobId, text: 'warm-up' } })
      if (!r.isError) break
      await new Promise((r) => setTimeout(r, 20))
    }
    await untilNotified(seen, 0)
    const xs = []
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now()
      const sent = a.client.callTool({ name: 'send_message', arguments: { to: bobId, text: `message ${i}` } })
      xs.push(await untilNotified(seen, t0))
      await sent
    }
    record('mcp-message', xs)
    await Promise.all([a.client.close(), b.client.close()])
  }
}
