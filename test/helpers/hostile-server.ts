/**
 * A loopback server that answers at a hostile directory entry's URL, as a compromised holder of the
 * mesh key could run one: `/health` with the entry's id (so the peers keep it listed), `/events` with
 * whatever history it is given (the dashboard asks every listed peer), any page it is given (a framing
 * attacker's), and every other request recorded: a payload that got a browser to load or fetch
 * something from it shows in `hits`. Given the mesh's token (`token`), it proves the key as a peer does
 * (`/health?proof=`, shared/peer-proof.ts), since a page shows its token to no server that cannot.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { peerProof } from '../../src/node/access-token.js'
import type { MeshEvent } from '../../src/shared/mesh-events.js'
import type { PeerEntry } from '../../src/shared/schema.js'
import { testScope, type Scope } from './scope.js'

export interface HostileServer {
  /** Requests that were neither /health, /events nor a given page: what a payload made a browser ask. */
  hits: string[]
  /** Pages served at exact paths (text/html). */
  pages: Map<string, string>
  /** The mesh's access token, once known: this server then proves the key as a holder of it. */
  token: string | null
  /** The Authorization header of each /events request: a page's proof for that request, never the token. */
  eventsAuth: string[]
}

const CORS = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Headers': 'Authorization, Content-Type', 'Cache-Control': 'no-store' }

const answer = (server: HostileServer, entry: PeerEntry, events: MeshEvent[], req: IncomingMessage, res: ServerResponse): void => {
  const url = req.url ?? '/'
  if (req.method === 'OPTIONS') return void res.writeHead(204, CORS).end()
  const page = server.pages.get(url)
  if (page !== undefined) return void res.writeHead(200, { 'Content-Type': 'text/html' }).end(page)
  const json = (body: unknown) => void res.writeHead(200, { ...CORS, 'Content-Type': 'application/json' }).end(JSON.stringify(body))
  const proof = /^\/health\?proof=([0-9a-f]{32})$/.exec(url)
  if (proof && server.token) return json({ ...entry, ok: true, peers: 1, links: { outbound: 0, inbound: 0 }, proof: peerProof(server.token, proof[1]!, `http://${req.headers.host}`) })
  if (url === '/health') return json({ ...entry, ok: true, peers: 1, links: { outbound: 0, inbound: 0 } })
  if (/^\/events\?after=\d+$/.test(url)) {
    server.eventsAuth.push(req.headers.authorization ?? '')
    return json({ self: entry.id, seq: events.length, first: events.length ? 1 : 0, events })
  }
  server.hits.push(url)
  res.writeHead(404, CORS).end()
}

/** Answers for `entry` on 127.0.0.1:`port` until `scope` ends. */
export const hostileServer = async (port: number, entry: PeerEntry, events: MeshEvent[], scope: Scope = testScope()): Promise<HostileServer> => {
  const server: HostileServer = { hits: [], pages: new Map(), token: null, eventsAuth: [] }
  const sockets = new Set<Socket>()
  const http = createServer((req, res) => answer(server, entry, events, req, res))
  // The peers dial a listed entry as a directory link: refused, as by a peer that is going away.
  http.on('upgrade', (_req, socket: Socket) => socket.destroy())
  http.on('connection', (s) => (sockets.add(s), s.on('close', () => sockets.delete(s))))
  await new Promise<void>((ok) => http.listen(port, '127.0.0.1', ok))
  scope.defer(
    () =>
      new Promise<void>((ok) => {
        for (const s of sockets) s.destroy()
        http.close(() => ok())
      })
  )
  return server
}
