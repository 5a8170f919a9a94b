/**
 * A stand-in for a peer, for what a real one never sends a page: a directory holding values that are
 * not entries (a BigInt, a nested Y.Map), as a buggy or newer peer of the mesh could write. It serves
 * the page and the bundle at its own origin, `/registry` and `/health` with CORS, and its `_directory`
 * room as a peer does: the whole doc (sync step 2) on connect, then each update.
 */
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { Socket } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import type * as Y from 'yjs'
import type { PeerEntry } from '../../src/shared/schema.js'
import { encodeSyncStep2, encodeUpdate } from '../../src/shared/wire.js'
import { testScope, type Scope } from './scope.js'

export const standInEntry = (id: string, port: number): PeerEntry => ({
  id, name: `n-${id}`, url: `http://127.0.0.1:${port}`, host: '127.0.0.1', port, pid: 1000 + port, pidStart: null,
  hostId: 'h', version: '0.0.0', protocol: 1, startedAt: 1
})

const BUNDLE = new URL('../../dist/browser/peer-plan.js', import.meta.url)
const JSON_OUT = (_k: string, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)

export interface StandIn {
  doc: Y.Doc
  /** Stops answering: sockets cut, the port closed. */
  close(): Promise<void>
}

/** A stand-in peer `id` on 127.0.0.1:`port`, serving `doc`'s `peers` map; stopped when `scope` ends. */
export const standInPeer = async (id: string, port: number, doc: Y.Doc, scope: Scope = testScope()): Promise<StandIn> => {
  const sockets = new Set<Socket>()
  const conns = new Set<WebSocket>()
  const cors = { 'Access-Control-Allow-Origin': '*', 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (path === '/registry') return void res.writeHead(200, cors).end(JSON.stringify({ self: id, peers: [...doc.getMap('peers').values()] }, JSON_OUT))
    if (path === '/health') return void res.writeHead(200, cors).end(JSON.stringify({ ...standInEntry(id, port), ok: true, peers: 1, links: { outbound: 0, inbound: 0 } }))
    if (path === '/peer-plan.js') return void res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(readFileSync(BUNDLE))
    if (path === '/') return void res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>stand-in</title>')
    res.writeHead(404).end()
  })
  server.on('connection', (s) => (sockets.add(s), s.on('close', () => sockets.delete(s))))
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (p) => (p.has('peer-plan') ? 'peer-plan' : false) })
  server.on('upgrade', (req, socket, head) =>
    wss.handleUpgrade(req, socket, head, (ws) => {
      conns.add(ws)
      ws.on('close', () => conns.delete(ws))
      ws.on('error', () => {})
      ws.send(encodeSyncStep2(doc))
    })
  )
  const onUpdate = (u: Uint8Array) => {
    for (const ws of conns) if (ws.readyState === ws.OPEN) ws.send(encodeUpdate(u))
  }
  doc.on('update', onUpdate)
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r))
  let closed: Promise<void> | null = null
  const close = () =>
    (closed ??= new Promise<void>((r) => {
      doc.off('update', onUpdate)
      for (const ws of conns) ws.terminate()
      for (const s of sockets) s.destroy()
      wss.close()
      server.close(() => r())
    }))
  scope.defer(close)
  return { doc, close }
}
