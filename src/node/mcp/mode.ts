/**
 * Whether this process speaks MCP on stdio. Agents launch MCP servers with stdin a pipe (or a socket
 * pair); a person runs a peer from a terminal, and tests and scripts run it with stdin /dev/null. Only
 * the first kind gets JSON-RPC, unless --mcp says otherwise.
 */
import { fstatSync } from 'node:fs'
import { isatty } from 'node:tty'
import type { McpMode } from '../config.js'

export type StdinKind = 'pipe' | 'socket' | 'tty' | 'device' | 'file' | 'closed'

export const stdinKind = (fd = 0): StdinKind => {
  try {
    // bigint: on Node 20 a plain fstat of a pipe leaves the shared stat buffer so that the ESM loader's
    // next resolution through a symlinked package (pnpm's layout) fails with ERR_MODULE_NOT_FOUND.
    const st = fstatSync(fd, { bigint: true })
    if (st.isFIFO()) return 'pipe'
    if (st.isSocket()) return 'socket'
    if (st.isCharacterDevice()) return isatty(fd) ? 'tty' : 'device'
    return 'file'
  } catch {
    return 'closed'
  }
}

export const mcpOnStdio = (mode: McpMode, kind: StdinKind): boolean =>
  mode === 'stdio' || (mode === 'auto' && (kind === 'pipe' || kind === 'socket'))
