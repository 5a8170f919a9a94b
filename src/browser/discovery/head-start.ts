/**
 * A join's first request, sent before anything else of the join is built: the directory socket of the
 * peer the race would ask first (the cached current peer, else the registry endpoint), opened with
 * `?registry`, so that the peer's first frame is its /registry answer (shared/protocol.ts LIST_PARAM),
 * checked as every source checks one. The live directory then follows on the same socket: the Mesh
 * adopts it (`adopt`) instead of opening another. A scan asks its first two ports the same way
 * (scan.ts), so a join's head starts are a set (`HeadStarts`, below).
 *
 * Why a socket and not fetch(): in a fresh Chromium page a loopback WebSocket's first message came
 * 1.4-1.8 ms before a fetch()'s JSON of the same 3 KB (3.0-3.2 against 4.4-4.8 ms p50, 60 fresh pages
 * each way, by turns), a refused one failed in 1.6 ms against 2.9, and the live directory needs no
 * second handshake. A page with the token asks GET /registry instead, as before: its directory is read
 * with the token, which goes to no peer before it proved the key, so a socket opened first would be a
 * stranger's (its entries name no rooms, and it draws on the strangers' budget) and only be closed.
 *
 * Why first: in a fresh page every function runs cold (V8 compiles it on its first call). Building the
 * race, its sources and their signals before the first request held it back 1.2-1.4 ms; so joinMesh
 * waits for this answer alone, for as long as any other source would wait behind it anyway (join.ts).
 * Only if it fails or is late is the race built; the race's source for the same peer then takes this
 * answer, once, rather than ask again, and an answer no source took is cancelled when the race ends.
 */
import { HealthError } from '../../shared/health-client.js'
import { CLOSE_CODES, DIRECTORY_ROOM, LIST_PARAM } from '../../shared/protocol.js'
import { abandonSocket } from '../abandon-socket.js'
import type { KeyProofs } from './key-proofs.js'
import { direct, fetchRegistry, registryFound, wsBase, type Found, type Via } from './source.js'

/** A directory socket whose list was read, handed to the reader that follows it (directory-reader.ts). */
export interface OpenDirectory {
  ws: WebSocket
  /** The frames that came after the list, not yet read. */
  frames: unknown[]
  /** How it closed, if it did before the handover. */
  closed: { code: number; reason: string } | null
}

/**
 * Why a socket closed before its list came, as a failed /registry request says it. 1006 (it never
 * opened) is a dead port; 4403, a refused Origin. Any other close came from a peer that answered
 * but would not serve this socket (full: 4429, 4503; for strangers, whose budget a plain request does
 * not draw on): NoList, so it is asked over HTTP.
 */
const closedBefore = (code: number): Error => {
  if (code === CLOSE_CODES.origin) return new HealthError("HTTP 403: this page's origin is not allowed", false, true)
  return code === 1006 ? new HealthError('could not connect') : new NoList()
}

/**
 * No list on the socket: a peer from before LIST_PARAM (its first frame is the directory's), one that
 * would not serve it, or a socket not open after a quarter of the request's time; asked over HTTP instead.
 */
class NoList extends Error {}

/**
 * A loopback handshake takes a few ms. One still connecting after this share of the request's time is
 * most likely held back by Chromium's throttle of a renderer's WebSockets after failed ones (a page that
 * retried joins before any peer was up: 0.06-1.25 s a socket once its exponent is 12-14, past the
 * request's 400 ms), which a fetch of the same peer is not: so it is given up and the peer fetched.
 */
const OPEN_SHARE = 1 / 4

export class HeadStart {
  private readonly stop = new AbortController()
  private untaken: Promise<Found> | null
  /** The open socket once its list was read, until adopted or closed. */
  private socket: OpenDirectory | null = null
  /** Whether the socket closed before its list came (a dead port, a refused Origin, a full peer). */
  private closedEarly = false
  /** The peer's /registry answer, checked; rejects as fetchRegistry does. */
  readonly answer: Promise<Found>

  /**
   * Asks `base` now; `via` is the source it stands in for (the cache, the registry endpoint or the scan).
   * `proofs`: the page holds the token, so it asks GET /registry?proof= (the answer must prove the key).
   */
  constructor(
    readonly base: string,
    readonly via: Via,
    timeoutMs: number,
    proofs: KeyProofs | null = null
  ) {
    const overHttp = () => fetchRegistry(base, this.stop.signal, timeoutMs, direct, null, proofs)
    // A page with the token asks over HTTP (above), as does a runtime without WebSocket (Node before 22).
    this.answer =
      proofs || typeof WebSocket !== 'function'
        ? overHttp()
        : this.listOf(timeoutMs).catch((err: unknown) => {
            if (!(err instanceof NoList)) throw err
            return overHttp()
          })
    // Whoever waits for it handles its failure; an unread one fails unseen.
    this.answer.catch(() => {})
    this.untaken = this.answer
  }

  /** The socket's first frame, checked; the socket is kept for `adopt`. */
  private async listOf(timeoutMs: number): Promise<Found> {
    const first = await this.open(`${wsBase(this.base)}/${DIRECTORY_ROOM}?${LIST_PARAM}`, timeoutMs)
    try {
      let answer: unknown
      try {
        answer = JSON.parse(first)
      } catch {
        throw new HealthError('not JSON')
      }
      return registryFound(this.base, answer)
    } catch (err) {
      this.close()
      throw err
    }
  }

  /** Opens the socket; resolves with its first frame (a text frame), rejects as a failed request would. */
  private open(url: string, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, ['peer-plan'])
      ws.binaryType = 'arraybuffer'
      const held: OpenDirectory = { ws, frames: [], closed: null }
      const fail = (err: Error) => {
        clearTimeout(timer)
        clearTimeout(unopened)
        this.stop.signal.removeEventListener('abort', cancel)
        abandonSocket(ws)
        reject(err)
      }
      const cancel = () => fail(new HealthError('cancelled'))
      const timer = setTimeout(() => fail(new HealthError(`no answer in ${timeoutMs} ms`, true)), timeoutMs)
      // Read then, not tracked with an open handler: nothing more runs in the page as the socket opens.
      const unopened = setTimeout(() => ws.readyState === ws.CONNECTING && fail(new NoList()), Math.max(1, timeoutMs * OPEN_SHARE))
      this.stop.signal.addEventListener('abort', cancel, { once: true })
      ws.onerror = () => {}
      ws.onclose = (e: CloseEvent) => {
        this.closedEarly = true
        fail(closedBefore(e.code))
      }
      ws.onmessage = (e: MessageEvent) => {
        if (typeof e.data !== 'string') return fail(new NoList())
        clearTimeout(timer)
        this.stop.signal.removeEventListener('abort', cancel)
        // From now on the socket is the directory's: its frames wait for the reader that adopts it.
        ws.onmessage = (m: MessageEvent) => held.frames.push(m.data)
        ws.onclose = (c: CloseEvent) => (held.closed = { code: c.code, reason: c.reason })
        this.socket = held
        resolve(e.data)
      }
    })
  }

  /**
   * The answer for `base`, if this is it and no source has taken it; `signal` cancels it from now on.
   * Matched on the peer's own URL: a head start always asks directly (joinMesh makes none for a join
   * through the Vite plugin's relay), as every source of such a join does.
   */
  take(base: string, signal: AbortSignal): Promise<Found> | undefined {
    if (base !== this.base || !this.untaken) return undefined
    const answer = this.untaken
    this.untaken = null
    if (signal.aborted) this.stop.abort()
    else signal.addEventListener('abort', () => this.stop.abort(), { once: true })
    return answer
  }

  /** Whether its socket has closed before its list came: the peer, or the port, refused it. */
  get refused(): boolean {
    return this.closedEarly
  }

  /** The open directory socket of `base`, once its list was read; from then on the caller's. */
  adopt(base: string): OpenDirectory | null {
    if (base !== this.base) return null
    const socket = this.socket
    this.socket = null
    return socket
  }

  /** Closes the socket if nobody adopted it. */
  close(): void {
    const socket = this.socket
    this.socket = null
    if (socket) abandonSocket(socket.ws)
  }

  /** Cancels the request if no source took it (the race was decided without it). */
  release(): void {
    if (!this.untaken) return
    this.untaken = null
    this.stop.abort()
    this.close()
  }
}

/** Where a source takes a head start's answer from: one head start, or all of a join's. */
export type AnswerTaker = Pick<HeadStart, 'take'>
/** Where the Mesh takes a head start's open socket from (the rest closed): one head start, or all of a join's. */
export type SocketHolder = Pick<HeadStart, 'adopt' | 'close'>

/**
 * A join's head starts, by base URL: its first request (the cached peer's or the registry endpoint's),
 * and the scan's first sockets, added as the scan starts (scan.ts). A source takes the answer of the
 * one that asked its peer, the Mesh adopts a socket to the peer it follows, and every other socket is
 * closed: the race's untaken answers when it ends (`release`), the taken ones when the Mesh attaches
 * (`close`), all of them on a failed join. Nothing is added after the race, whose losers are cancelled
 * a task after its winner (race.ts) and so before the Mesh attaches in the task after that (mesh.ts
 * `seed`): no answer comes after `close`.
 */
export class HeadStarts {
  private readonly all: HeadStart[] = []

  constructor(first: HeadStart | null = null) {
    if (first) this.all.push(first)
  }

  add(head: HeadStart): void {
    this.all.push(head)
  }

  /**
   * These, for the scan to add its sockets to, if the join's first head start's socket has been refused
   * (as the race starts: within scanDelayMs, or the cache's stagger); else null, and the scan fetches.
   * Chromium holds back a renderer's WebSockets once several have failed (websocket_throttler.cc:
   * rand(1000..5000) * 2^e / 65536 ms, e = pending + failed/(succeeded+1), 0 ms while e <= 3), as in a
   * page retrying a join with no peer up; a head start still connecting when the race starts says the
   * scan's sockets would wait too, and could time out where a fetch answers. A join adds three failed
   * sockets at most, and only while its first was refused sooner than that.
   */
  forScan(): HeadStarts | null {
    return this.all[0]?.refused ? this : null
  }

  /**
   * The untaken answer for `base` (HeadStart.take), if one of them asked it: the first one added, so a
   * source of the race takes the join's first head start's answer before the scan's for the same peer
   * (the cache source takes it as the race starts, before the scan exists).
   */
  take(base: string, signal: AbortSignal): Promise<Found> | undefined {
    for (const head of this.all) {
      const answer = head.take(base, signal)
      if (answer) return answer
    }
    return undefined
  }

  /** An open directory socket to `base`, if one of them holds it; from then on the caller's. */
  adopt(base: string): OpenDirectory | null {
    for (const head of this.all) {
      const socket = head.adopt(base)
      if (socket) return socket
    }
    return null
  }

  /** Closes every socket no one adopted. */
  close(): void {
    for (const head of this.all) head.close()
  }

  /** Cancels every answer no source took; a taken one is cancelled by its taker's signal, or closed by `close`. */
  release(): void {
    for (const head of this.all) head.release()
  }
}
