import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, resolveConfig } from '../../src/node/config.js'
import { mcpOnStdio } from '../../src/node/mcp/mode.js'
import { tempDir } from '../helpers/temp.js'

/** A fresh home per call, removed when the test ends. */
const home = () => tempDir()
const resolve = (argv: string[], env: Record<string, string> = {}, h = home()) => resolveConfig(argv, { PEER_PLAN_HOME: h, ...env }, '/nonexistent-user-home')

describe('--mcp and subcommands', () => {
  it('--mcp: CLI > PEER_PLAN_MCP > config file "mcp" > auto', () => {
    const h = home()
    writeFileSync(join(h, 'config.json'), JSON.stringify({ mcp: 'off' }))
    const mcp = (argv: string[], env = {}, hh = h) => {
      const r = resolve(argv, env, hh)
      return r.kind === 'run' ? r.config.mcp : r.kind
    }
    expect(mcp([], {}, home())).toBe('auto')
    expect(mcp([])).toBe('off')
    expect(mcp([], { PEER_PLAN_MCP: 'stdio' })).toBe('stdio')
    expect(mcp(['--mcp', 'auto'], { PEER_PLAN_MCP: 'stdio' })).toBe('auto')
    expect(() => resolve(['--mcp', 'sometimes'])).toThrow(/--mcp: expected one of auto\|stdio\|off/)
  })

  it('MCP on stdio: a pipe or socket in auto mode, always with stdio, never with off', () => {
    expect(mcpOnStdio('auto', 'pipe')).toBe(true)
    expect(mcpOnStdio('auto', 'socket')).toBe(true)
    for (const kind of ['tty', 'device', 'file', 'closed'] as const) expect(mcpOnStdio('auto', kind)).toBe(false)
    expect(mcpOnStdio('stdio', 'tty')).toBe(true)
    expect(mcpOnStdio('off', 'pipe')).toBe(false)
  })

  it('peers is a subcommand; anything else is a clear error', () => {
    expect(resolve(['peers', '--ports', '3000-3001'])).toMatchObject({ kind: 'peers', config: { ports: [3000, 3001] } })
    expect(() => resolve(['pears'])).toThrow(ConfigError)
    expect(() => resolve(['pears'])).toThrow(/unexpected argument "pears": not a command \(commands: peers; see --help\)/)
    expect(() => resolve(['peers', 'extra'])).toThrow(/unexpected argument "extra"/)
  })
})
