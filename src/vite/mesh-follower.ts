/**
 * The Vite plugin's view of the live mesh: it finds a peer the way `peer-plan-node peers` does
 * (servers.json, then the port range: the first /registry to answer), then follows that peer's
 * `_directory` room as a stranger (read only, no key, no token), so `/api/registry` and the hot-channel
 * push come from the live directory, not from the file. When the peer goes, it finds another.
 */
import { homedir } from 'node:os'
import { WebSocket } from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { backoffMs } from '../shared/backoff.js'
import { DirectoryView } from '../shared/directory.js'
import { DIRECTORY_ROOM } from '../shared/protocol.js'
import type { RegistryResponse } from '../shared/schema.js'
import { resolveConfig, type PeerConfig } from '../node/config.js'
import { candidates, firstTrustedAnswer } from '../node/peers-command.js'
import { isLoopbackHostname } from '../node/url-scope.js'

export interface FollowerOptions {
  /** $PEER_PLAN_HOME; default as peer-plan-node resolves it (env, config file, ~/.peer-plan). */
  home?: string
  /** The peers' port range; default as peer-plan-node resolves it (1234-1244). */
  ports?: [number, number]
}

const PUSH_COALESCE_MS = 30

interface Followed {
  self: string
  doc: Y.Doc
  view: DirectoryView
  provider: WebsocketProvider
}

/** The mesh config a peer started here would have (env and config file included), with the plugin's overrides. */
export const meshConfig = (opts: FollowerOptions): PeerConfig => {
  const request = resolveConfig([], { ...process.env, ...(opts.home ? { PEER_PLAN_HOME: opts.home } : {}) }, homedir())
  if (request.kind !== 'run' && request.kind !== 'peers') throw new Error('peer-plan: could not resolve the peer configuration')
  return { ...request.config, ...(opts.home ? { home: opts.home } : {}), ...(opts.ports ? { ports: opts.ports } : {}) }
}

export class MeshFollower {
  private followed: Followed | null = null
  private stopped = false
  private attempt = 0
  private timer: ReturnType<typeof setTimeout> | null = null
  /** Pushes are coalesced: a cold start of N peers changes the directory O(N) times in a second. */
  private pushTimer: ReturnType<typeof setTimeout> | null = null
  private readonly listeners = new Set<(r: RegistryResponse) => void>()
  private readonly waiting = new Set<() => void>()
  private lastSent = ''

  constructor(private readonly config: PeerConfig) {}

  start(): void {
    void this.find()
  }

  /** The mesh as the followed peer's directory holds it, or null while no peer is followed. */
  registry(): RegistryResponse | null {
    const f = this.followed
    return f && f.provider.synced ? { self: f.self, peers: f.view.peers() } : null
  }

  /** The registry, waiting up to timeoutMs for a first peer. */
  async whenReady(timeoutMs: number): Promise<RegistryResponse | null> {
    if (this.registry()) return this.registry()
    await new Promise<void>((resolve) => {
      const done = () => (clearTimeout(t), this.waiting.delete(done), resolve())
      const t = setTimeout(done, timeoutMs)
      this.waiting.add(done)
    })
    return this.registry()
  }

  /** Is a loopback peer of the followed directory serving on this port? (the relay's only targets) */
  servesPort(port: number): boolean {
    // The entry check let through URLs that URL cannot parse (http://x:99999) until 4394f6a; kept as a
    // guard, since a throw here was a 500 on HTTP and, in the upgrade handler, an uncaught exception
    // that ended the dev server.
    const on = (url: string | undefined) => {
      if (!url || !URL.canParse(url)) return false
      const u = new URL(url)
      return Number(u.port) === port && isLoopbackHostname(u.hostname.replace(/^\[|\]$/g, ''))
    }
    return this.followed?.view.peers().some((p) => on(p.url) || on(p.overflowUrl)) ?? false
  }

  onChange(fn: (r: RegistryResponse) => void): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  /** Where the follower looks, for an error a person can act on. */
  describe(): string {
    return `servers.json in ${this.config.home}, ports ${this.config.ports[0]}-${this.config.ports[1]}`
  }

  private async find(): Promise<void> {
    this.timer = null
    if (this.stopped) return
    const known = this.followed?.view.peers().map((p) => p.url) ?? []
    this.drop()
    // This home's live peers first: a process squatting a free port of the range is followed (and its
    // directory's ports relayed) only when none of them answers.
    const answer = (await firstTrustedAnswer(await candidates(this.config, known), 1000))?.answer
    const self = answer?.peers.find((p) => p.id === answer.self)
    if (this.stopped) return
    if (!answer || !self) return this.retry()
    this.follow(answer.self, self.url)
  }

  private retry(): void {
    if (this.stopped || this.timer) return
    this.timer = setTimeout(() => void this.find(), backoffMs(this.attempt++, 250, 5000))
  }

  private follow(self: string, url: string): void {
    const doc = new Y.Doc()
    const view = new DirectoryView(doc)
    const provider = new WebsocketProvider(url.replace(/^http/, 'ws'), DIRECTORY_ROOM, doc, { WebSocketPolyfill: WebSocket as never, disableBc: true, connect: true })
    this.followed = { self, doc, view, provider }
    provider.on('sync', (synced: boolean) => {
      if (!synced) return
      this.attempt = 0
      this.emit()
      for (const done of [...this.waiting]) done()
    })
    doc.on('update', () => {
      if (provider.synced && !this.pushTimer) this.pushTimer = setTimeout(() => ((this.pushTimer = null), this.emit()), PUSH_COALESCE_MS)
    })
    // The peer went (or never let us in): find another rather than redial a dead port.
    provider.on('connection-close', () => this.followed?.provider === provider && this.retry())
  }

  private emit(): void {
    const r = this.registry()
    const text = r ? JSON.stringify(r) : ''
    if (!r || text === this.lastSent) return
    this.lastSent = text
    for (const fn of this.listeners) fn(r)
  }

  private drop(): void {
    const f = this.followed
    this.followed = null
    if (!f) return
    f.provider.destroy()
    f.view.destroy()
    f.doc.destroy()
  }

  stop(): void {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    if (this.pushTimer) clearTimeout(this.pushTimer)
    for (const done of [...this.waiting]) done()
    this.drop()
  }
}
