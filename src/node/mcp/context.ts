/** What an MCP connection's tools and resources work with: the peer (once it is up) and this session's own state. */
import type { AgentInfo, PeerEntry } from '../../shared/schema.js'
import type { Messenger } from '../messenger.js'
import type { Peer } from '../peer.js'

export interface SessionState {
  readonly id: string
  readonly agent: AgentInfo | null
  /** The sequence number of the last inbox message this session was given by check_messages. */
  inboxCursor: number
  subscribe(uri: string): boolean
  unsubscribe(uri: string): void
}

export interface McpContext {
  /** Resolves once the peer has started; tools wait for it rather than failing during start. */
  peer(): Promise<Peer>
  messenger: Messenger
  session: SessionState
}

/** This peer's entry as the directory has it now (its name and agents change after start). */
export const liveSelf = (peer: Peer): PeerEntry => peer.peers().find((p) => p.id === peer.entry.id) ?? peer.entry

export const textResult = (text: string, structured?: Record<string, unknown>) => ({
  content: [{ type: 'text' as const, text }],
  ...(structured ? { structuredContent: structured } : {})
})

export const errorResult = (text: string) => ({ content: [{ type: 'text' as const, text }], isError: true })
