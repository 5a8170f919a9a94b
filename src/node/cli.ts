/**
 * peer-plan-node: runs one peer until SIGINT/SIGTERM. Bad options print one line on stderr and exit 1.
 * stdout stays silent: it is reserved for MCP's JSON-RPC.
 */
import { homedir } from 'node:os'
import { ConfigError, HELP, resolveConfig } from './config.js'
import { createLogger } from './log.js'
import { startPeer, VERSION, type Peer } from './peer.js'

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

  let peer: Peer
  try {
    peer = await startPeer(config, { log })
  } catch (err) {
    return fail((err as Error).message)
  }
  log.info(`ready ${peer.url} name=${peer.entry.name} id=${peer.entry.id} home=${config.home}`)

  let stopping = false
  const shutdown = (signal: string) => {
    if (stopping) process.exit(0)
    stopping = true
    log.info(`${signal}: leaving the mesh`)
    // Leaving takes milliseconds; the timer is a promise to whoever sent the signal, not the plan.
    setTimeout(() => {
      log.warn('shutdown took over 1.8 s; exiting anyway')
      process.exit(0)
    }, 1800).unref()
    peer.stop().then(
      () => process.exit(0),
      (err) => {
        log.error(`shutdown: ${(err as Error).message}`)
        process.exit(0)
      }
    )
  }
  process.on('SIGINT', () => shutdown('SIGINT'))
  process.on('SIGTERM', () => shutdown('SIGTERM'))
}

main().catch((err) => fail((err as Error).stack ?? String(err)))
