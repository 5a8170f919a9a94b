/**
 * peer-plan-node: runs one peer until something ends it (a signal, EPIPE, and in MCP mode stdin's EOF
 * or the launching agent's death), always through one Shutdown. Bad options print one line on stderr
 * and exit 1. stdout carries MCP's JSON-RPC and nothing else.
 *
 * In MCP mode the MCP server is up before the peer: `initialize` is answered while the peer still binds
 * and joins, and tools wait for the peer. The peer's modules are loaded only after that.
 */
import { Console } from 'node:console'
import { homedir } from 'node:os'
import { ConfigError, HELP, resolveConfig, type PeerConfig } from './config.js'
import { createLogger } from './log.js'
import { mcpOnStdio, stdinKind } from './mcp/mode.js'
import type { Peer } from './peer.js'
import { Shutdown } from './shutdown.js'
import { VERSION } from './version.js'

const fail = (msg: string): never => {
  process.stderr.write(`peer-plan-node: error: ${msg}\n`)
  process.exit(1)
}

const run = async (config: PeerConfig): Promise<void> => {
  // A dependency's console.log would land in MCP's stream: yjs prints a client-id clash that way, which
  // any room client can cause. The console writes to stderr, as the peer's own log does.
  globalThis.console = new Console({ stdout: process.stderr, stderr: process.stderr })
  const log = createLogger(config.logLevel, `peer-plan-node[${process.pid}]`)
  log.debug(`config ${JSON.stringify(config)}`)
  const stdio = mcpOnStdio(config.mcp, stdinKind())
  const { McpHost } = await import('./mcp/host.js')
  let resolvePeer!: (p: Peer) => void
  let rejectPeer!: (err: Error) => void
  const starting = new Promise<Peer>((res, rej) => ((resolvePeer = res), (rejectPeer = rej)))
  starting.catch(() => {})
  const host = new McpHost({ peer: starting, config, log })
  // Installed before anything starts: a signal during start still leaves whatever the start had joined.
  const shutdown = new Shutdown({ stop: () => host.close().then(() => starting.then((p) => p.stop(), () => {})), log })
  shutdown.install()
  if (stdio) {
    await host.serveStdio((reason) => void shutdown.request(reason))
    log.debug('MCP on stdio')
  }
  const { startPeer } = await import('./peer.js')
  let announced!: () => void
  const mdnsAfter = new Promise<void>((r) => (announced = r))
  startPeer(config, { log, mdnsAfter }).then(resolvePeer, rejectPeer)
  let peer: Peer
  try {
    peer = await starting
  } catch (err) {
    return fail((err as Error).message)
  }
  const socket = await host.serveSocket(peer)
  if (shutdown.requested) return
  log.info(`ready ${peer.url} name=${peer.entry.name} id=${peer.entry.id} home=${config.home}${stdio ? ' mcp=stdio' : ''}${socket ? ` socket=${socket}` : ''} dashboard=${peer.dashboardUrl}`)
  announced()
}

const main = async (): Promise<void> => {
  let request
  try {
    request = resolveConfig(process.argv.slice(2), process.env, homedir())
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message)
    throw err
  }
  if (request.kind === 'help') return void process.stdout.write(HELP) // stdout-ok: asked for, not MCP mode
  if (request.kind === 'version') return void process.stdout.write(`${VERSION}\n`) // stdout-ok: asked for
  if (request.kind === 'peers') {
    const { runPeersCommand } = await import('./peers-command.js')
    // The table was asked for; this command never speaks MCP.
    process.exitCode = await runPeersCommand(request.config, (s) => process.stdout.write(s), (s) => process.stderr.write(s)) // stdout-ok
    return
  }
  await run(request.config)
}

main().catch((err) => fail((err as Error).stack ?? String(err)))
