/**
 * A process without the mesh key on a port of the range, as any local user could run one: it answers
 * `/registry` and `/health` like a peer (the list it is given, itself included), serves a `_directory`
 * room holding that list, accepts every upgrade, and records what each request showed it: the
 * Authorization header and the WebSocket subprotocols, where a page would put the access token. Asked
 * for a proof of the key (`?proof=`), it asks a real peer for one with the same nonce and passes that
 * on, as a relay would: the test that a proof is bound to the URL the page asked.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { Socket } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import * as Y from 'yjs'
import type { PeerEntry } from '../../src/shared/schema.js'
import { encodeSyncStep2 } from '../../src/shared/wire.js'
import { testScope, type Scope } from './scope.js'

export interface Squatter {
  entry: PeerEntry
  /** Every Authorization header and Sec-WebSocket-Protocol it was shown, with the request's path. */
  shown: string[]
  /** Every request's method and path, upgrades as `WS <path>`. */
  requests: string[]
  /** Sets the peers it lists (itself is added). */
  list(peers: PeerEntry[]): void
}

const CORS = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Headers': 'Authorization, Content-Type', 'Access-Control-Allow-Private-Network': 'true', 'Cache-Control': 'no-store' }

/** Records what in `req` could carry the token. */
const record = (sq: Squatter, req: IncomingMessage, what: string): void => {
  sq.requests.push(`${what} ${req.url}`)
  const auth = req.headers.authorization
  const protocols = req.headers['sec-websocket-protocol']
  if (auth) sq.shown.push(`${what} ${req.url} Authorization: ${auth}`)
  if (protocols) sq.shown.push(`${what} ${req.url} Sec-WebSocket-Protocol: ${protocols}`)
}

/** A proof of the key for `nonce`, as the real peer at `relayTo` gives it (for its own URL), or none. */
const relayedProof = async (relayTo: string, nonce: string | null): Promise<{ proof?: string }> => {
  if (nonce === null) return {}
  try {
    const answer = (await (await fetch(`${relayTo}/health?proof=${nonce}`, { signal: AbortSignal.timeout(2000) })).json()) as { proof?: string }
    return answer.proof ? { proof: answer.proof } : {}
  } catch {
    return {}
  }
}

/** A squatter with id `id` on 127.0.0.1:`port`, passing proof requests on to `relayTo`; stopped when `scope` ends. */
export const squatter = async (id: string, port: number, relayTo: string, scope: Scope = testScope()): Promise<Squatter> => {
  const entry: PeerEntry = { id, name: `squatter-${id}`, url: `http://127.0.0.1:${port}`, host: '127.0.0.1', port, pid: 1, pidStart: null, hostId: 'h', version: '0.1.0', protocol: 2, startedAt: 1 }
  const doc = new Y.Doc()
  const sq: Squatter = {
    entry,
    shown: [],
    requests: [],
    list: (peers) => doc.transact(() => [...peers, entry].forEach((p) => doc.getMap('peers').set(p.id, p)))
  }
  sq.list([])
  const sockets = new Set<Socket>()
  const conns = new Set<WebSocket>()
  const server: Server = createServer((req, res) => {
    record(sq, req, req.method ?? 'GET')
    if (req.method === 'OPTIONS') return void res.writeHead(204, CORS).end()
    const url = new URL(req.url ?? '/', 'http://x')
    const json = (body: object) => void res.writeHead(200, { ...CORS, 'Content-Type': 'application/json' }).end(JSON.stringify(body))
    const peers = [...doc.getMap('peers').values()] as PeerEntry[]
    if (url.pathname === '/registry') return void relayedProof(relayTo, url.searchParams.get('proof')).then((p) => json({ self: id, peers, ...p }))
    if (url.pathname === '/health') return void relayedProof(relayTo, url.searchParams.get('proof')).then((p) => json({ ...entry, ok: true, peers: peers.length, links: { outbound: 0, inbound: 0 }, ...p }))
    if (url.pathname === '/events') return json({ self: id, seq: 0, first: 0, events: [] })
    res.writeHead(404, CORS).end()
  })
  server.on('connection', (s) => (sockets.add(s), s.on('close', () => sockets.delete(s))))
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (p) => (p.has('peer-plan') ? 'peer-plan' : false) })
  server.on('upgrade', (req, socket, head) => {
    record(sq, req, 'WS')
    wss.handleUpgrade(req, socket, head, (ws) => {
      conns.add(ws)
      ws.on('close', () => conns.delete(ws))
      ws.on('error', () => {})
      ws.send(encodeSyncStep2(doc))
    })
  })
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r))
  scope.defer(
    () =>
      new Promise<void>((r) => {
        for (const ws of conns) ws.terminate()
        for (const s of sockets) s.destroy()
        wss.close()
        server.close(() => r())
      })
  )
  return sq
}
