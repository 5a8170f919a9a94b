/**
 * WebSocket upgrades: the access policy first, then the room name, then capacity, all before the
 * handshake. The room itself is made only once the handshake has succeeded, so a failed handshake
 * never holds a room slot.
 */
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import { PROOF_PARAM } from '../shared/peer-proof.js'
import { CLOSE_CODES, DIRECTORY_ROOM, isServableRoom, LIST_PARAM, MAX_PAYLOAD_BYTES } from '../shared/protocol.js'
import type { AccessCheck } from './access.js'
import { BASE_PROTOCOL } from './access-token.js'
import { checkRequest, type AccessPolicy } from './http-guards.js'
import { provedText, type RouteSources } from './http-routes.js'
import { PROOF_HEADER, proofFor, ROOM_CLIENT_HEADER } from './link-auth.js'
import type { Logger } from './log.js'
import type { RoomServer } from './room-server.js'
import { MAX_ROOM_PAYLOAD_BYTES } from './room-limits.js'
import { closeAndHangUp } from './ws-send.js'

export interface UpgradeDeps {
  policy: AccessPolicy
  rooms: RoomServer
  access: AccessCheck
  key: Buffer
  selfId: string
  /** What GET /registry answers (a person's view or a stranger's), for a directory socket that asks `?registry`. */
  registryJson: RouteSources['registryJson']
  /** This peer's proof of the mesh key for a nonce and the base URL it was asked as. */
  proof: RouteSources['proof']
  log: Logger
}

export interface UpgradeHandler {
  handle(req: IncomingMessage, socket: Duplex, head: Buffer): void
  close(): void
}

/** As ws's abortHandshake: the answer is written whole, and the socket destroyed only after 'finish'. */
export const refuse = (socket: Duplex, status: number, text: string): void => {
  socket.once('finish', () => socket.destroy())
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length + 1}\r\n\r\n${text}\n`)
}

/**
 * A refused page socket: its close code, then hung up (ws-send.ts closeAndHangUp, as the room server's
 * cut-offs). What the client sends meanwhile (the upgrade's own head included) still reaches ws's
 * parser, and a bad frame (an unmasked one, say) makes ws emit 'error': with no listener that threw,
 * and killed the peer.
 */
const closeRefused = (ws: WebSocket, code: number, reason: string, log: Logger): void => {
  ws.on('error', (err) => log.debug(`refused websocket: ${err.message}`))
  closeAndHangUp(ws, code, reason)
}

/**
 * A browser cannot read the HTTP status of a refused upgrade (it sees 1006 and y-websocket retries for
 * ever), so peer-plan's page client (it offers the `peer-plan` subprotocol and, being a browser, sends
 * an Origin) is let in and closed at once with a code that says why. Other clients keep the status.
 */
const wantsCloseCodes = (req: IncomingMessage): boolean =>
  req.headers.origin !== undefined && (req.headers['sec-websocket-protocol'] ?? '').split(',').some((p) => p.trim() === BASE_PROTOCOL)

/** Each way of being full: the HTTP status, the close code a page reads, and the reason it is given. */
const FULL = {
  'peer full': [503, CLOSE_CODES.peerFull, 'this peer holds its maximum of rooms'],
  'address full': [429, CLOSE_CODES.hostFull, 'too many rooms or connections from this host'],
  // Strangers' own budget: peers and people with the token are never refused because of it.
  'strangers full': [503, CLOSE_CODES.peerFull, 'too many connections without the access token']
} as const

/**
 * A join's head start (`/_directory?registry`): told a refused Origin as a close code, as its fetch
 * twin reads the 403's X-Peer-Plan-Refused. A room or a plain directory socket keeps the 403 (a
 * 1006 to the page, which retries: the Origin rule lets some origins in only while their peer is
 * listed, so a refusal there need not be final).
 */
const asksList = (req: IncomingMessage): boolean => {
  const [path, query = ''] = (req.url ?? '').split('?', 2)
  return path === `/${DIRECTORY_ROOM}` && new URLSearchParams(query).has(LIST_PARAM)
}

/**
 * `run()` with `socket` corked if `hold`, so that what it writes first leaves in one write. A list
 * leaves with the 101 so, not after it: every write to a loopback socket is a syscall that also runs
 * the receiver's side of TCP, and wakes the page's network thread. Only a list: held back, any other
 * socket's 101 would wait for the room server's first frames, which the first sockets after a start
 * spend milliseconds compiling (a follower's open came 4 ms later, its directory no sooner). An
 * uncork() more than the corks is nothing: it does not count below zero.
 */
const heldIf = (socket: Duplex, hold: boolean, run: () => void): void => {
  if (hold) socket.cork()
  try {
    run()
  } finally {
    if (hold) socket.uncork()
  }
}

const roomName = (url: URL): string | null => {
  try {
    const name = decodeURIComponent(url.pathname.slice(1))
    return isServableRoom(name) ? name : null
  } catch {
    return null
  }
}

export const createUpgradeHandler = ({ policy, rooms, access, key, selfId, registryJson, proof, log }: UpgradeDeps): UpgradeHandler => {
  // Only ever the plain protocol name: a token offered as a subprotocol is never echoed back.
  const handleProtocols = (offered: Set<string>) => (offered.has(BASE_PROTOCOL) ? BASE_PROTOCOL : false)
  // The server's half of the link proof goes into the 101 answer of the request that asked for it.
  const proofs = new WeakMap<IncomingMessage, string>()
  const server = (maxPayload: number): WebSocketServer => {
    const wss = new WebSocketServer({ noServer: true, maxPayload, perMessageDeflate: false, handleProtocols })
    wss.on('error', (err) => log.warn(`websocket server: ${err.message}`))
    wss.on('headers', (headers, req) => {
      const proof = proofs.get(req)
      if (proof) headers.push(`${PROOF_HEADER}: ${proof}`)
    })
    return wss
  }
  // The directory, which strangers read too, keeps the small bound; a room's doc syncs in one message.
  const wss = server(MAX_PAYLOAD_BYTES)
  const roomWss = server(MAX_ROOM_PAYLOAD_BYTES)
  /** Refuses before any handshake, or, for a page, after it with a close code it can read. */
  const deny = (req: IncomingMessage, socket: Duplex, head: Buffer, status: number, text: string, code: number, reason: string): void => {
    if (!wantsCloseCodes(req)) return refuse(socket, status, text)
    wss.handleUpgrade(req, socket, head, (ws) => closeRefused(ws, code, reason, log))
  }
  /** A `?registry` socket's first frame: its /registry answer, proved for its nonce as GET /registry?proof= is. */
  const listFor = (req: IncomingMessage, url: URL, person: boolean) => {
    const host = req.headers.host ?? ''
    return provedText(() => registryJson(person), url.searchParams.get(PROOF_PARAM), policy.namesSocket(host, req.socket) ? host : null, proof)
  }
  const handle = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', (err) => log.debug(`upgrade socket: ${err.message}`))
    const verdict = checkRequest(policy, req)
    if (!verdict.ok && verdict.originRefused && asksList(req)) return deny(req, socket, head, verdict.status, verdict.reason, CLOSE_CODES.origin, "this page's origin is not allowed (--allow-origin)")
    if (!verdict.ok) return refuse(socket, verdict.status, verdict.reason)
    // A request-target such as //[ is no URL: refused like any other bad request.
    if (!URL.canParse(req.url ?? '/', 'http://peer.invalid')) return refuse(socket, 400, 'Bad Request')
    const url = new URL(req.url ?? '/', 'http://peer.invalid')
    const name = roomName(url)
    if (name === null) return deny(req, socket, head, 404, 'Not Found', CLOSE_CODES.roomName, 'not a room name: 1-128 of [A-Za-z0-9._-], not starting with . - _')
    const who = access.classify(req, url)
    if (!who.ok) {
      log.debug(`upgrade refused: ${who.reason}`)
      if (who.status !== 401) return refuse(socket, who.status, 'Forbidden')
      return deny(req, socket, head, 401, 'Unauthorized', CLOSE_CODES.accessToken, who.reason.slice(0, 100))
    }
    // Strangers read the directory and nothing else.
    if (who.access === 'stranger' && name !== DIRECTORY_ROOM) return deny(req, socket, head, 401, 'Unauthorized', CLOSE_CODES.accessToken, 'access token required')
    const address = req.socket.remoteAddress ?? 'unknown'
    const room = rooms.canHost(name, address, who.access)
    if (room !== 'ok') {
      log.debug(`upgrade refused: ${room}`)
      const [status, code, reason] = FULL[room]
      return deny(req, socket, head, status, status === 503 ? 'Service Unavailable' : 'Too Many Requests', code, reason)
    }
    const list = name === DIRECTORY_ROOM && url.searchParams.has(LIST_PARAM) ? listFor(req, url, who.access !== 'stranger') : null
    if (list && 'reason' in list) return deny(req, socket, head, list.status, list.status === 400 ? 'Bad Request' : 'Misdirected Request', CLOSE_CODES.badRequest, list.reason)
    if (who.nonce) proofs.set(req, proofFor(key, selfId, who.nonce))
    // A peer opening a room for its agent's tool speaks for a client: no link of its own (link-auth.ts).
    const forClient = who.access === 'peer' && name !== DIRECTORY_ROOM && req.headers[ROOM_CLIENT_HEADER] === '1'
    const peerId = who.peerId !== selfId && !forClient ? who.peerId : null
    heldIf(socket, list !== null, () =>
      (name === DIRECTORY_ROOM ? wss : roomWss).handleUpgrade(req, socket, head, (ws) => {
        const hosted = rooms.getRoom(name, address, who.access)
        if (!hosted) return closeRefused(ws, wantsCloseCodes(req) ? CLOSE_CODES.peerFull : 1013, 'too many rooms', log)
        // Before the directory's first frame, which the room server pushes a reader at once. A plain
        // send: the socket is fresh, so ws-send.ts's slow-reader bound has nothing to bound yet. Out
        // with the 101 (heldIf), before the room server's frames are made.
        if (list) {
          ws.send(list.text)
          socket.uncork()
        }
        rooms.handleConnection(ws, hosted, { peerId, access: who.access, address })
      })
    )
  }
  return { handle, close: () => (wss.close(), roomWss.close()) }
}
