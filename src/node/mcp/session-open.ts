/**
 * The one place the MCP SDK enters the peer: loaded by the host on the first MCP session (stdio, or the
 * first bytes on the Unix socket), never at start. The SDK and zod are most of what a peer would load;
 * a peer started alone (`pnpm mesh`, the bench) or one whose socket nobody uses never pays for them.
 */
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio'
import type { Readable, Writable } from 'node:stream'
import { AgentSession, type SessionHost } from './session.js'

/** Largest JSON-RPC message read from a client (a room's whole text fits, escaped). */
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024

export interface OpenedSession {
  session: AgentSession
  /** Starts reading; resolves once the transport listens. */
  connect(): Promise<void>
}

export const openSession = (host: SessionHost, kind: 'stdio' | 'socket', input: Readable, output: Writable): OpenedSession => {
  const session = new AgentSession(host, kind)
  return { session, connect: () => session.connect(new StdioServerTransport(input, output, { maxBufferSize: MAX_MESSAGE_BYTES })) }
}
