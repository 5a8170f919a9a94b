/**
 * The one place the MCP SDK enters the peer: loaded by the host on the first MCP session (stdio, or the
 * first bytes on the Unix socket), never at start. The SDK and zod are most of what a peer would load;
 * a peer started alone (`pnpm mesh`, the bench) or one whose socket nobody uses never pays for them.
 */
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio'
import type { Readable, Writable } from 'node:stream'
import { droppedRequestId, END_BYTES, tooLargeError } from './dropped-request.js'
import { LineCap, type DroppedLine } from './line-cap.js'
import { AgentSession, type SessionHost } from './session.js'

/** Largest JSON-RPC message read from a client (a room's whole text fits, escaped); a longer one is dropped. */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024

export interface OpenedSession {
  session: AgentSession
  /** Starts reading; resolves once the transport listens. */
  connect(): Promise<void>
  /** Why the session ended, for the log: its input ended, or the transport closed on an error. */
  endReason(): string
}

export const openSession = (host: SessionHost, kind: 'stdio' | 'socket', input: Readable, output: Writable): OpenedSession => {
  const session = new AgentSession(host, kind)
  const onDropped = ({ bytes, head, tail }: DroppedLine) => {
    const id = droppedRequestId(head.toString(), tail.toString())
    const answer = id === null ? 'not a request with an id: nothing answered' : 'answered with an error'
    host.log.warn(`MCP session ${session.id}: dropped a message of ${bytes} bytes (more than ${MAX_MESSAGE_BYTES}); ${answer}`)
    // Through the transport's writer: one whole line, never inside one of the SDK's. A closed one is the session's end.
    if (id !== null) transport.send(tooLargeError(id, bytes, MAX_MESSAGE_BYTES)).catch(() => {})
  }
  const lines = new LineCap(MAX_MESSAGE_BYTES, onDropped, END_BYTES)
  // The SDK's own cap, never reached: LineCap hands it one line at a time, each within MAX_MESSAGE_BYTES.
  const transport = new StdioServerTransport(lines, output, { maxBufferSize: MAX_MESSAGE_BYTES + 64 * 1024 })
  // An input error (a socket reset by a client gone with answers unread) ends the session as its end
  // would: the line reader is ended, not destroyed with the error, which would be re-emitted where the
  // transport, already closing, no longer listens, and end the peer as an uncaught exception.
  input.on('error', (err) => {
    session.transportError = err
    lines.end()
  })
  input.pipe(lines)
  // Nothing else errors it; should anything, it is this session's end, never an uncaught error.
  lines.on('error', (err) => (session.transportError ??= err))
  const endReason = () => {
    const ended = input.readableEnded || input.destroyed
    const why = session.transportError?.message
    return ended ? `${kind === 'stdio' ? 'stdin' : 'socket'} closed` : `the MCP transport closed${why ? ` (${why})` : ''}`
  }
  return { session, endReason, connect: () => session.connect(transport) }
}
