/**
 * The MCP side of one peer: the stdio session (the agent that launched this process), the Unix socket
 * and its sessions, and what ties them to the mesh. Directory changes, new inbox messages and room
 * changes are pushed to the sessions that asked; every registration change republishes this peer's
 * directory entry (its agents, its rooms, and a name a person recognises).
 */
import type { Socket } from 'node:net'
import type * as Y from 'yjs'
import { DIRECTORY_MAP } from '../../shared/protocol.js'
import { MAX_AGENTS } from '../../shared/entry-check.js'
import type { PeerConfig } from '../config.js'
import type { InboxMessage } from '../inbox.js'
import type { Logger } from '../log.js'
import { Messenger } from '../messenger.js'
import type { Peer } from '../peer.js'
import { isProcessAlive } from '../process-identity.js'
import { displayName } from './agent-info.js'
import { ParentWatch } from './parent-watch.js'
import type { AgentSession, SessionHost } from './session.js'
import { AgentSocketServer, reclaimStaleSockets, runDir, socketPathFor } from './socket-server.js'
import { PEERS_URI, ROOM_URI_PREFIX, userRooms } from './uris.js'

// The MCP SDK is loaded with the first session, not at start (see session-open.ts).
const sessionModule = () => import('./session-open.js')
/** How long a change to this peer's room list may wait to be published (it is batched with others). */
const ROOM_LIST_COALESCE_MS = 250

export interface McpHostOptions {
  peer: Promise<Peer>
  config: PeerConfig
  log: Logger
}

export class McpHost implements SessionHost {
  readonly log: Logger
  readonly messenger = new Messenger()
  private readonly sessions = new Set<AgentSession>()
  private readonly socketOf = new Map<AgentSession, Socket>()
  private readonly timers = new Map<string, NodeJS.Timeout>()
  private readonly watchedDocs = new WeakSet<Y.Doc>()
  private stdio: { session: AgentSession; onEnd: (reason: string) => void; watch: ParentWatch; endReason: () => string } | null = null
  private socketServer: AgentSocketServer | null = null
  private socketStarting: Promise<string | null> | null = null
  private unwire: (() => void) | null = null
  private closing = false

  constructor(private readonly opts: McpHostOptions) {
    this.log = opts.log
    opts.peer.then((p) => this.wire(p), () => {})
  }

  peer(): Promise<Peer> {
    return this.opts.peer
  }

  /** MCP on this process's stdin/stdout. `onEnd` hears of stdin's EOF, a broken stdout, and the launcher's death. */
  async serveStdio(onEnd: (reason: string) => void): Promise<void> {
    const { openSession } = await sessionModule()
    const opened = openSession(this, 'stdio', process.stdin, process.stdout) // stdout-ok: JSON-RPC
    const watch = new ParentWatch((reason) => onEnd(reason))
    this.stdio = { session: opened.session, onEnd, watch, endReason: opened.endReason }
    this.sessions.add(opened.session)
    watch.start()
    return opened.connect()
  }

  /** Serves MCP on $PEER_PLAN_HOME/run/<id>.sock, after removing stale sockets; returns the path, or null if it could not. */
  serveSocket(peer: Peer): Promise<string | null> {
    // close() waits for this: a leave that begins while the socket is being set up must still remove it.
    this.socketStarting = this.listenSocket(peer)
    return this.socketStarting
  }

  private async listenSocket(peer: Peer): Promise<string | null> {
    if (this.closing) return null
    // A live peer's entry is in the directory or servers.json before its socket exists: no need to knock.
    const live = new Set(peer.peers().filter((p) => p.hostId === peer.entry.hostId && isProcessAlive(p)).map((p) => p.id))
    const reclaimed = await reclaimStaleSockets(runDir(this.opts.config.home), (id) => live.has(id))
    if (reclaimed.length) this.log.info(`removed ${reclaimed.length} stale socket(s) of dead peers: ${reclaimed.join(', ')}`)
    if (this.closing) return null
    try {
      this.socketServer = await AgentSocketServer.listen(socketPathFor(this.opts.config.home, peer.entry.id), (s) => this.attachSocket(s))
      return this.socketServer.path
    } catch (err) {
      this.log.warn(`no MCP socket: ${(err as Error).message}`)
      return null
    }
  }

  /** A session is made on the first bytes only: a peer probing whether this socket lives costs nothing. */
  private attachSocket(socket: Socket): void {
    socket.on('error', (err) => this.log.debug(`MCP socket client: ${err.message}`))
    socket.once('data', (first: Buffer) => {
      socket.pause()
      socket.unshift(first)
      void this.startSocketSession(socket)
    })
  }

  private async startSocketSession(socket: Socket): Promise<void> {
    let mod: Awaited<ReturnType<typeof sessionModule>>
    try {
      mod = await sessionModule()
    } catch (err) {
      this.log.warn(`MCP unavailable: ${(err as Error).message}`)
      return void socket.destroy()
    }
    if (this.closing || socket.destroyed || this.sessions.size >= MAX_AGENTS) {
      if (!socket.destroyed) this.log.warn(`refusing an MCP socket client: ${this.closing ? 'leaving' : `${MAX_AGENTS} sessions already`}`)
      return void socket.destroy()
    }
    const opened = mod.openSession(this, 'socket', socket, socket)
    this.sessions.add(opened.session)
    this.socketOf.set(opened.session, socket)
    try {
      // The first bytes, put back while the SDK loaded, flow through the session's line reader now.
      await opened.connect()
    } catch (err) {
      this.log.debug(`MCP socket session: ${(err as Error).message}`)
      socket.destroy()
    }
  }

  agentChanged(): void {
    this.later('publish', 10, this.publishNow)
  }

  /**
   * The rooms this peer holds changed. Each entry update reaches every peer over every link, and a burst
   * of rooms opening (64 rooms on 32 peers at once) published one update per room per peer that held
   * it, which starved the room links' handshakes: the list is coalesced over 250 ms instead.
   */
  private roomsChanged(): void {
    this.later('publish-rooms', ROOM_LIST_COALESCE_MS, this.publishNow)
  }

  private publishNow = (): void => void this.opts.peer.then((p) => this.publish(p), () => {})

  sessionClosed(session: AgentSession): void {
    this.sessions.delete(session)
    this.socketOf.get(session)?.destroy()
    this.socketOf.delete(session)
    if (session === this.stdio?.session && !this.closing) this.stdio.onEnd(this.stdio.endReason())
    this.agentChanged()
  }

  private each(fn: (s: AgentSession) => void): void {
    for (const s of this.sessions) fn(s)
  }

  /** Runs `fn` once, `ms` from the first of a burst of calls with the same key. */
  private later(key: string, ms: number, fn: () => void): void {
    if (this.timers.has(key) || this.closing) return
    this.timers.set(key, setTimeout(() => (this.timers.delete(key), fn()), ms))
  }

  private wire(peer: Peer): void {
    const map = peer.rooms.directory.doc.getMap(DIRECTORY_MAP)
    const onDirectory = () => this.later('peers', 20, () => this.each((s) => s.updated(PEERS_URI)))
    // Not coalesced: a message is pushed to the agent the moment it lands.
    const onMessage = (m: InboxMessage) => this.each((s) => s.messageArrived(m))
    const onRooms = () => {
      this.watchRooms(peer)
      this.each((s) => s.listChanged())
      this.roomsChanged()
    }
    map.observe(onDirectory)
    peer.inbox.on('message', onMessage)
    peer.rooms.on('rooms-changed', onRooms)
    this.unwire = () => {
      map.unobserve(onDirectory)
      peer.inbox.off('message', onMessage)
      peer.rooms.off('rooms-changed', onRooms)
    }
    this.watchRooms(peer)
    this.agentChanged()
  }

  /** Subscribers of peer-plan://rooms/<name> hear of each change to that room's doc (coalesced to 50 ms). */
  private watchRooms(peer: Peer): void {
    for (const name of userRooms(peer)) {
      const doc = peer.rooms.rooms.get(name)!.doc
      if (this.watchedDocs.has(doc)) continue
      this.watchedDocs.add(doc)
      const uri = `${ROOM_URI_PREFIX}${name}`
      doc.on('update', () => this.later(uri, 50, () => this.each((s) => s.updated(uri))))
    }
  }

  /** This peer's entry: its agents, its rooms, and its name (given with --name, else agent@workspace). */
  private publish(peer: Peer): void {
    const agents = [...this.sessions].flatMap((s) => (s.agent ? [s.agent] : [])).slice(0, MAX_AGENTS)
    const lead = this.stdio?.session.agent ?? agents[0]
    const name = this.opts.config.name ?? (lead ? displayName(lead) : peer.entry.name)
    const rooms = userRooms(peer).slice(0, 256)
    const storedRooms = peer.store.stored(256)
    // Empty lists are left out (undefined drops the key): a peer no agent uses keeps the entry it
    // started with, and its start costs the mesh no second directory update.
    peer.updateSelf({
      name,
      agents: agents.length ? agents : undefined,
      rooms: rooms.length ? rooms : undefined,
      storedRooms: storedRooms.length ? storedRooms : undefined
    })
  }

  /** Ends every session, removes the socket, and stops watching the launcher. Idempotent. */
  async close(): Promise<void> {
    if (this.closing) return
    this.closing = true
    this.stdio?.watch.stop()
    for (const t of this.timers.values()) clearTimeout(t)
    this.timers.clear()
    this.unwire?.()
    await Promise.all([...this.sessions].map((s) => s.close()))
    await this.socketStarting
    await this.socketServer?.close()
    this.messenger.close()
  }
}
