/**
 * One MCP connection (this process's stdio agent, or one client on the peer's Unix socket): its own
 * McpServer, its registration, its inbox cursor and its subscriptions. The registration is MCP's own
 * handshake: `initialize` makes the agent known (client info, capabilities, a session id the peer
 * mints), `notifications/initialized` makes it ready, and the client's roots name its workspace.
 */
import { randomBytes } from 'node:crypto'
import { McpServer, type JSONRPCMessage, type Transport } from '@modelcontextprotocol/server'
import type { AgentInfo } from '../../shared/schema.js'
import type { InboxMessage } from '../inbox.js'
import type { Logger } from '../log.js'
import type { Messenger } from '../messenger.js'
import type { Peer } from '../peer.js'
import { VERSION } from '../version.js'
import { agentFromHello, CHANNEL_CAPABILITY, wantsChannel, workspaceOf, type ClientHello } from './agent-info.js'
import type { McpContext, SessionState } from './context.js'
import { registerResources } from './resources.js'
import { INBOX_URI } from './uris.js'
import { registerTools } from './tools.js'

const MAX_SUBSCRIPTIONS = 64
/** `initialize` requests awaiting the SDK's answer that are remembered; the SDK answers each at once. */
const MAX_PENDING_INITIALIZE = 8

const INSTRUCTIONS = `peer-plan links the AI-agent sessions on this machine (each runs its own peer-plan peer) into one mesh.
list_peers shows the other agents and their workspaces; send_message reaches one of them by peer id or name;
check_messages reads what others sent you (subscribe to peer-plan://inbox to be told at once). read_room and
write_room read and write the shared text of a room, which a person can watch and edit live in a browser.`

export interface SessionHost {
  readonly log: Logger
  readonly messenger: Messenger
  peer(): Promise<Peer>
  agentChanged(session: AgentSession): void
  sessionClosed(session: AgentSession): void
}

export class AgentSession implements SessionState {
  readonly id = randomBytes(8).toString('hex')
  readonly server: McpServer
  agent: AgentInfo | null = null
  /** The last error the transport reported (a write to a closed stdout, a line that is not JSON-RPC). */
  transportError: Error | null = null
  inboxCursor = 0
  private readonly subscriptions = new Set<string>()
  private channel = false
  private closed = false

  constructor(
    private readonly host: SessionHost,
    readonly transport: AgentInfo['transport']
  ) {
    this.server = new McpServer(
      { name: 'peer-plan', title: 'peer-plan mesh', version: VERSION },
      // The channel capability is Claude Code's: a client that also declares it gets messages pushed as channel notifications.
      { capabilities: { tools: {}, resources: { subscribe: true, listChanged: true }, experimental: { [CHANNEL_CAPABILITY]: {} } }, instructions: INSTRUCTIONS }
    )
    const ctx: McpContext = { peer: () => host.peer(), messenger: host.messenger, session: this }
    registerTools(this.server, ctx)
    registerResources(this.server, ctx)
    this.server.server.oninitialized = () => void this.onInitialized()
    this.server.server.onclose = () => this.onClosed()
    this.server.server.onerror = (err) => {
      this.transportError = err
      host.log.debug(`MCP session ${this.id}: ${err.message}`)
    }
    this.server.server.setNotificationHandler('notifications/roots/list_changed', () => void this.refreshRoots())
  }

  /**
   * Serves this session on `transport`. The agent is registered when the SDK accepts its `initialize`
   * (answers it with a result), not when the request arrives: one the SDK refuses (no protocolVersion,
   * say) registers nothing.
   */
  connect(transport: Transport): Promise<void> {
    const asked = new Map<string | number, ClientHello>()
    const inbound = (msg: JSONRPCMessage) => {
      if ('method' in msg && msg.method === 'initialize' && 'id' in msg && asked.size < MAX_PENDING_INITIALIZE) asked.set(msg.id, (msg.params ?? {}) as ClientHello)
    }
    const outbound = (msg: JSONRPCMessage) => {
      const id = 'id' in msg && !('method' in msg) ? msg.id : undefined
      const hello = id === undefined ? undefined : asked.get(id)
      if (id === undefined || !hello) return
      asked.delete(id)
      if ('result' in msg) this.onInitialize(hello)
    }
    return this.server.connect(observe(transport, inbound, outbound))
  }

  subscribe(uri: string): boolean {
    if (this.subscriptions.size >= MAX_SUBSCRIPTIONS && !this.subscriptions.has(uri)) return false
    this.subscriptions.add(uri)
    return true
  }

  unsubscribe(uri: string): void {
    this.subscriptions.delete(uri)
  }

  /** Tells the client a resource it subscribed to changed. */
  updated(uri: string): void {
    if (this.subscriptions.has(uri) && !this.closed) this.server.server.sendResourceUpdated({ uri }).catch(() => {})
  }

  listChanged(): void {
    if (this.agent?.ready && !this.closed) this.server.sendResourceListChanged()
  }

  messageArrived(msg: InboxMessage): void {
    this.updated(INBOX_URI)
    if (!this.channel || this.closed) return
    const meta = { from: msg.from.name, from_peer: msg.from.id, message_id: msg.id, seq: String(msg.seq) }
    this.server.server.notification({ method: 'notifications/claude/channel', params: { content: msg.text, meta } }).catch(() => {})
  }

  private onInitialize(hello: ClientHello): void {
    // The first accepted handshake names the agent for the session's life; MCP allows no second one.
    if (this.agent) return void this.host.log.debug(`MCP session ${this.id}: a second initialize, ignored for the registration`)
    this.agent = agentFromHello(this.id, this.transport, hello)
    this.channel = wantsChannel(hello.capabilities)
    this.host.log.info(`agent ${this.agent.client}${this.agent.version ? ` ${this.agent.version}` : ''} registered over ${this.transport} (session ${this.id})`)
    this.host.agentChanged(this)
  }

  private async onInitialized(): Promise<void> {
    if (!this.agent) return
    this.agent = { ...this.agent, ready: true }
    this.host.agentChanged(this)
    if (this.server.server.getClientCapabilities()?.roots) await this.refreshRoots()
  }

  private async refreshRoots(): Promise<void> {
    try {
      const { roots } = await this.server.server.listRoots(undefined, { timeout: 5000 })
      const workspace = workspaceOf(roots)
      if (!this.agent || workspace === this.agent.workspace) return
      this.agent = { ...this.agent, workspace }
      this.host.agentChanged(this)
    } catch (err) {
      this.host.log.debug(`roots/list for session ${this.id}: ${(err as Error).message}`)
    }
  }

  private onClosed(): void {
    if (this.closed) return
    this.closed = true
    this.host.sessionClosed(this)
  }

  close(): Promise<void> {
    return this.server.close().catch(() => {})
  }
}

/** The same transport, with a look at each inbound message before the server handles it and each outbound one as it is sent. */
const observe = (inner: Transport, inbound: (msg: JSONRPCMessage) => void, outbound: (msg: JSONRPCMessage) => void): Transport => {
  const outer: Transport = {
    start: () => inner.start(),
    send: (msg, opts) => {
      outbound(msg)
      return inner.send(msg, opts)
    },
    close: () => inner.close()
  }
  inner.onmessage = (msg, extra) => {
    inbound(msg)
    outer.onmessage?.(msg, extra)
  }
  inner.onclose = () => outer.onclose?.()
  inner.onerror = (err) => outer.onerror?.(err)
  return outer
}
