/**
 * peer-plan-node: runs one peer until a signal (or EPIPE) ends it, through one Shutdown. Bad options print one line on stderr and exit 1.
 * stdout stays silent: it is reserved for MCP's JSON-RPC.
 */
import { homedir } from 'node:os'
import { ConfigError, HELP, resolveConfig } from './config.js'
import { createLogger } from './log.js'
import { startPeer, VERSION, type Peer } from './peer.js'
import { Shutdown } from './shutdown.js'

const fail = (msg: string): never => {
  process.stderr.write(`peer-plan-node: error: ${msg}\n`)
  process.exit(1)
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
  const { config } = request
  const log = createLogger(config.logLevel, `peer-plan-node[${process.pid}]`)
  log.debug(`config ${JSON.stringify(config)}`)

  const starting = startPeer(config, { log })
  // Installed before the peer is up: a signal during start still leaves whatever the start had joined.
  new Shutdown({ stop: () => starting.then((p) => p.stop(), () => {}), log }).install()
  let peer: Peer
  try {
    peer = await starting
  } catch (err) {
    return fail((err as Error).message)
  }
  log.info(`ready ${peer.url} name=${peer.entry.name} id=${peer.entry.id} home=${config.home} dashboard=${peer.dashboardUrl}`)
}

main().catch((err) => fail((err as Error).stack ?? String(err)))
