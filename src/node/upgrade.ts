/**
 * WebSocket upgrades: the access policy first, then the room name, then capacity, all before the
 * handshake. The room itself is made only once the handshake has succeeded, so a failed handshake
 * never holds a room slot.
 */
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer } from 'ws'
import { DIRECTORY_ROOM, isServableRoom, MAX_PAYLOAD_BYTES } from '../shared/protocol.js'
import type { AccessCheck } from './access.js'
import { BASE_PROTOCOL } from './access-token.js'
import { checkRequest, type AccessPolicy } from './http-guards.js'
import { PROOF_HEADER, proofFor } from './link-auth.js'
import type { Logger } from './log.js'
import type { RoomServer } from './room-server.js'

export interface UpgradeDeps {
  policy: AccessPolicy
  rooms: RoomServer
  access: AccessCheck
  key: Buffer
  selfId: string
  log: Logger
}

export interface UpgradeHandler {
  handle(req: IncomingMessage, socket: Duplex, head: Buffer): void
  close(): void
}

/** As ws's abortHandshake: the answer is written whole, and the socket destroyed only after 'finish'. */
const refuse = (socket: Duplex, status: number, text: string): void => {
  socket.once('finish', () => socket.destroy())
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length + 1}\r\n\r\n${text}\n`)
}

const roomName = (url: URL): string | null => {
  try {
    const name = decodeURIComponent(url.pathname.slice(1))
    return isServableRoom(name) ? name : null
  } catch {
    return null
  }
}

export const createUpgradeHandler = ({ policy, rooms, access, key, selfId, log }: UpgradeDeps): UpgradeHandler => {
  // Only ever the plain protocol name: a token offered as a subprotocol is never echoed back.
  const handleProtocols = (offered: Set<string>) => (offered.has(BASE_PROTOCOL) ? BASE_PROTOCOL : false)
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD_BYTES, perMessageDeflate: false, handleProtocols })
  wss.on('error', (err) => log.warn(`websocket server: ${err.message}`))
  // The server's half of the link proof goes into the 101 answer of the request that asked for it.
  const proofs = new WeakMap<IncomingMessage, string>()
  wss.on('headers', (headers, req) => {
    const proof = proofs.get(req)
    if (proof) headers.push(`${PROOF_HEADER}: ${proof}`)
  })
  const handle = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', (err) => log.debug(`upgrade socket: ${err.message}`))
    const verdict = checkRequest(policy, req)
    if (!verdict.ok) return refuse(socket, verdict.status, verdict.reason)
    const url = new URL(req.url ?? '/', 'http://peer.invalid')
    const name = roomName(url)
    if (name === null) return refuse(socket, 404, 'Not Found')
    const who = access.classify(req, url)
    if (!who.ok) {
      log.debug(`upgrade refused: ${who.reason}`)
      return refuse(socket, who.status, who.status === 401 ? 'Unauthorized' : 'Forbidden')
    }
    // Strangers read the directory and nothing else.
    if (who.access === 'stranger' && name !== DIRECTORY_ROOM) return refuse(socket, 401, 'Unauthorized')
    const address = req.socket.remoteAddress ?? 'unknown'
    const room = rooms.canHost(name, address)
    if (room !== 'ok') {
      log.debug(`upgrade refused: ${room}`)
      return refuse(socket, room === 'peer full' ? 503 : 429, room === 'peer full' ? 'Service Unavailable' : 'Too Many Requests')
    }
    if (who.nonce) proofs.set(req, proofFor(key, selfId, who.nonce))
    const peerId = who.peerId !== selfId ? who.peerId : null
    wss.handleUpgrade(req, socket, head, (ws) => {
      const hosted = rooms.getRoom(name, address)
      if (!hosted) return ws.close(1013, 'too many rooms')
      rooms.handleConnection(ws, hosted, { peerId, access: who.access, address })
    })
  }
  return { handle, close: () => wss.close() }
}
