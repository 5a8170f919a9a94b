/**
 * Options for one peer, from the command line, the environment, a JSON config file and defaults,
 * in that order of precedence. Every bad value is a ConfigError with one line naming where it came from.
 */
import { isIP } from 'node:net'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { DEFAULT_HOST, DEFAULT_PORTS } from '../shared/protocol.js'
import { LOG_LEVELS, type LogLevel } from './log.js'
import { ConfigError, readConfigFile } from './config-file.js'
import { shown } from './shown.js'

export const MDNS_SCOPES = ['off', 'loopback', 'lan'] as const
export type MdnsScope = (typeof MDNS_SCOPES)[number]

/** auto: MCP on stdio when stdin is a pipe or a socket (how agents launch servers); stdio: always; off: never. */
export const MCP_MODES = ['auto', 'stdio', 'off'] as const
export type McpMode = (typeof MCP_MODES)[number]

/** Subcommands besides running a peer. */
export const COMMANDS = ['peers'] as const

export interface PeerConfig {
  /** Exactly this port, or null for the first free port of `ports`. */
  port: number | null
  ports: [number, number]
  host: string
  home: string
  name: string | null
  allowOrigins: string[]
  mdns: MdnsScope
  logLevel: LogLevel
  /** A file holding the mesh secret (hex); null: $PEER_PLAN_HOME/mesh.key, made on first use. */
  secretFile: string | null
  /** Strangers get a person's access (rooms read and write). For a sandbox only; refused with --mdns lan. */
  dangerouslyAllowStrangers: boolean
  mcp: McpMode
  /** How long a room this peer's agent wrote stays in memory after its last write with no client (ms). */
  roomIdleMs: number
}

export { ConfigError }

export type CliRequest = { kind: 'run'; config: PeerConfig } | { kind: 'peers'; config: PeerConfig } | { kind: 'help' } | { kind: 'version' }

export const HELP = `Usage: peer-plan-node [options]
       peer-plan-node peers [options]   print the mesh as a table, through any live peer (exit 1: none)

Starts one peer of the peer-plan mesh: a Yjs WebSocket server on a loopback port that registers itself
in $PEER_PLAN_HOME/servers.json and keeps the shared directory in sync with every other peer.

Options (each also settable by environment variable and config file; CLI > env > file > default):
  --port N              serve on exactly port N                        PEER_PLAN_PORT
  --ports A-B           else the first free port in A-B (1234-1244)     PEER_PLAN_PORTS
  --host ADDR           loopback address to bind (127.0.0.1)          PEER_PLAN_HOST
  --home DIR            state directory (~/.peer-plan)                 PEER_PLAN_HOME
  --name NAME           a human name for this peer (peer-<port>)       PEER_PLAN_NAME
  --allow-origin ORIGIN a browser origin allowed besides the mesh's own loopback origins;
                        repeatable                                     PEER_PLAN_ALLOW_ORIGINS (comma-separated)
  --mdns off|loopback|lan  mDNS scope (loopback)                       PEER_PLAN_MDNS
  --no-mdns             same as --mdns off
  --log-level LEVEL     error|warn|info|debug (info)                   PEER_PLAN_LOG_LEVEL
  --secret-file FILE    the mesh secret (hex, >= 128 bits); peers of other homes join only
                        with the same one ($PEER_PLAN_HOME/mesh.key)   PEER_PLAN_SECRET_FILE
  --dangerously-allow-strangers
                        anyone who can connect reads and writes rooms without the access
                        token; for a sandbox only (never with --mdns lan)
  --mcp auto|stdio|off  MCP on stdio: auto = when stdin is a pipe or
                        socket, as agents launch servers (auto)        PEER_PLAN_MCP
  --room-idle SECONDS   a room the agent wrote stays in memory this long after its
                        last write while no client has it open (60)    PEER_PLAN_ROOM_IDLE
  --config FILE         JSON config file (default $PEER_PLAN_HOME/config.json)
  -h, --help            show this help
  -v, --version         show the version

Every peer also serves MCP on the Unix socket $PEER_PLAN_HOME/run/<id>.sock.
Logs go to stderr; stdout is reserved for MCP's JSON-RPC.
`


const parsePortNumber = (raw: string | number, where: string): number => {
  const s = String(raw).trim()
  if (!/^\d+$/.test(s)) throw new ConfigError(`${where}: expected a port number 1-65535, got ${shown(raw)}`)
  const n = Number(s)
  if (n < 1 || n > 65535) throw new ConfigError(`${where}: port ${n} is out of range 1-65535`)
  return n
}

export const parsePortRange = (raw: string | [number, number], where: string): [number, number] => {
  let a: string | number
  let b: string | number
  if (Array.isArray(raw)) [a, b] = raw
  else {
    const m = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(raw)
    if (!m) throw new ConfigError(`${where}: expected a range like 1234-1244, got ${shown(raw)}`)
    ;[, a, b] = m as unknown as [string, string, string]
  }
  const first = parsePortNumber(a, where)
  const last = parsePortNumber(b, where)
  if (first > last) throw new ConfigError(`${where}: range ${first}-${last} is empty (first port above last)`)
  if (last - first >= 1024) throw new ConfigError(`${where}: range ${first}-${last} is wider than 1024 ports`)
  return [first, last]
}

export const isLoopbackHost = (host: string): boolean => {
  if (host === 'localhost') return true
  if (isIP(host) === 4) return host.startsWith('127.')
  if (isIP(host) === 6) return host === '::1'
  return false
}

const parseSeconds = (raw: string | number, where: string): number => {
  const s = String(raw).trim()
  const n = Number(s)
  if (!/^\d+(\.\d+)?$/.test(s) || n <= 0 || n > 86400) throw new ConfigError(`${where}: expected seconds, more than 0 and at most 86400, got ${shown(raw)}`)
  return n
}

const parseHost = (raw: string, where: string): string => {
  const host = raw.trim()
  if (host !== 'localhost' && isIP(host) === 0) throw new ConfigError(`${where}: expected an IP address or localhost, got ${shown(raw)}`)
  if (!isLoopbackHost(host)) {
    throw new ConfigError(`${where}: ${host} is not a loopback address; a peer serves only on loopback (127.0.0.0/8, ::1)`)
  }
  return host
}

export const parseOrigin = (raw: string, where: string): string => {
  const s = raw.trim()
  let url: URL
  try {
    url = new URL(s)
  } catch {
    throw new ConfigError(`${where}: ${shown(raw)} is not an origin like http://localhost:5173`)
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin === 'null') {
    throw new ConfigError(`${where}: ${shown(raw)} must be an http(s) origin`)
  }
  if (url.origin !== s.replace(/\/$/, '')) {
    throw new ConfigError(`${where}: ${shown(raw)} is not a bare origin (scheme://host[:port], no path); did you mean ${url.origin}?`)
  }
  return url.origin
}

const parseName = (raw: string, where: string): string => {
  const name = raw.trim()
  if (name.length < 1 || name.length > 128 || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new ConfigError(`${where}: a name is 1-128 printable characters`)
  }
  return name
}

const parseEnum = <T extends string>(raw: string, allowed: readonly T[], where: string): T => {
  const v = raw.trim() as T
  if (!allowed.includes(v)) throw new ConfigError(`${where}: expected one of ${allowed.join('|')}, got ${shown(raw)}`)
  return v
}


/** The subcommand among the positionals, if any; anything else there is a ConfigError. */
const commandOf = (positionals: string[]): (typeof COMMANDS)[number] | undefined => {
  const [command, extra] = positionals
  if (command !== undefined && !(COMMANDS as readonly string[]).includes(command)) {
    throw new ConfigError(`unexpected argument ${shown(command)}: not a command (commands: ${COMMANDS.join(', ')}; see --help)`)
  }
  if (extra !== undefined) throw new ConfigError(`unexpected argument ${shown(extra)} (see --help)`)
  return command as (typeof COMMANDS)[number] | undefined
}

const CLI_OPTIONS = {
  port: { type: 'string' },
  ports: { type: 'string' },
  host: { type: 'string' },
  home: { type: 'string' },
  name: { type: 'string' },
  'allow-origin': { type: 'string', multiple: true },
  mdns: { type: 'string' },
  'no-mdns': { type: 'boolean' },
  'log-level': { type: 'string' },
  'secret-file': { type: 'string' },
  'dangerously-allow-strangers': { type: 'boolean' },
  mcp: { type: 'string' },
  'room-idle': { type: 'string' },
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' }
} as const

/** Resolves argv + env + config file into a PeerConfig, or a help/version request. Throws ConfigError. */
export const resolveConfig = (argv: string[], env: Record<string, string | undefined>, userHome: string): CliRequest => {
  let values: Record<string, string | boolean | string[] | undefined>
  let positionals: string[]
  try {
    ;({ values, positionals } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: CLI_OPTIONS
    }))
  } catch (err) {
    throw new ConfigError(`${(err as Error).message.split('\n')[0]} (see --help)`)
  }
  if (values.help) return { kind: 'help' }
  if (values.version) return { kind: 'version' }
  const command = commandOf(positionals)

  const str = (k: string) => values[k] as string | undefined
  const envStr = (k: string) => (env[k] !== undefined && env[k] !== '' ? env[k] : undefined)

  const cliHome = str('home')
  const envHome = envStr('PEER_PLAN_HOME')
  const configPath = str('config')
  const file = configPath
    ? readConfigFile(resolve(configPath), true)
    : readConfigFile(join(resolve(cliHome ?? envHome ?? join(userHome, '.peer-plan')), 'config.json'), false)
  const fileWhere = (k: string) => `config file key "${k}"`

  const pick = <T>(cli: string | undefined, cliWhere: string, envKey: string, fileVal: unknown, fileKey: string, parse: (raw: any, where: string) => T): T | undefined => {
    if (cli !== undefined) return parse(cli, cliWhere)
    const e = envStr(envKey)
    if (e !== undefined) return parse(e, envKey)
    if (fileVal !== undefined) return parse(fileVal, fileWhere(fileKey))
    return undefined
  }

  const port = pick(str('port'), '--port', 'PEER_PLAN_PORT', file.port, 'port', parsePortNumber) ?? null
  const ports = pick(str('ports'), '--ports', 'PEER_PLAN_PORTS', file.ports, 'ports', parsePortRange) ?? [...DEFAULT_PORTS] as [number, number]
  const host = pick(str('host'), '--host', 'PEER_PLAN_HOST', file.host, 'host', parseHost) ?? DEFAULT_HOST
  const home = resolve(cliHome ?? envHome ?? file.home ?? join(userHome, '.peer-plan'))
  const name = pick(str('name'), '--name', 'PEER_PLAN_NAME', file.name, 'name', parseName) ?? null

  const cliOrigins = values['allow-origin'] as string[] | undefined
  let allowOrigins: string[]
  if (cliOrigins) allowOrigins = cliOrigins.map((o) => parseOrigin(o, '--allow-origin'))
  else if (envStr('PEER_PLAN_ALLOW_ORIGINS') !== undefined) {
    allowOrigins = envStr('PEER_PLAN_ALLOW_ORIGINS')!.split(',').filter((s) => s.trim()).map((o) => parseOrigin(o, 'PEER_PLAN_ALLOW_ORIGINS'))
  } else allowOrigins = (file.allowOrigins ?? []).map((o) => parseOrigin(o, fileWhere('allowOrigins')))

  if (values['no-mdns'] && str('mdns') !== undefined && str('mdns') !== 'off') {
    throw new ConfigError('--no-mdns contradicts --mdns ' + str('mdns'))
  }
  const mdns = values['no-mdns']
    ? 'off'
    : (pick(str('mdns'), '--mdns', 'PEER_PLAN_MDNS', file.mdns, 'mdns', (raw: string, where) => parseEnum(raw, MDNS_SCOPES, where)) ?? 'loopback')
  const logLevel = pick(str('log-level'), '--log-level', 'PEER_PLAN_LOG_LEVEL', file.logLevel, 'logLevel', (raw: string, where) => parseEnum(raw, LOG_LEVELS, where)) ?? 'info'

  const secretFile = pick(str('secret-file'), '--secret-file', 'PEER_PLAN_SECRET_FILE', file.secretFile, 'secretFile', (raw: string) => resolve(raw)) ?? null
  const dangerouslyAllowStrangers = values['dangerously-allow-strangers'] === true
  if (dangerouslyAllowStrangers && mdns === 'lan') throw new ConfigError('--dangerously-allow-strangers cannot be used with --mdns lan: a LAN peer needs the mesh secret')
  const mcp = pick(str('mcp'), '--mcp', 'PEER_PLAN_MCP', file.mcp, 'mcp', (raw: string, where) => parseEnum(raw, MCP_MODES, where)) ?? 'auto'

  const roomIdleMs = (pick(str('room-idle'), '--room-idle', 'PEER_PLAN_ROOM_IDLE', file.roomIdle, 'roomIdle', parseSeconds) ?? 60) * 1000

  const config: PeerConfig = { port, ports, host, home, name, allowOrigins: [...new Set(allowOrigins)], mdns, logLevel, mcp, secretFile, dangerouslyAllowStrangers, roomIdleMs }
  return command === 'peers' ? { kind: 'peers', config } : { kind: 'run', config }
}
