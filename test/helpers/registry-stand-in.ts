/**
 * A loopback stand-in for the part of a peer a join asks: `GET /registry`, and its `_directory` socket
 * opened with `?registry` (the list as the first frame, a text frame, then one binary frame as the
 * directory's push). It counts what it was asked and what the client gave up on before the answer.
 * For Node tests of the page's discovery code, whose WebSocket is ws's (page-websocket.ts).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { onTestFinished } from 'vitest'
import { WebSocketServer } from 'ws'
import { standInEntry } from './stand-in-peer.js'

export interface StandInOptions {
  /** Answers this long after being asked. */
  delayMs?: number
  /** Never answers. */
  hang?: boolean
  /** The answer's body (default: a registry of one peer, itself). */
  body?: string
  /** A peer from before `?registry`: its socket's first frame is the directory's (binary). */
  legacy?: boolean
  /** Accepts the socket and closes it with this code at once (4403: a refused Origin; 4503: full). */
  closeCode?: number
  /** Never answers a socket's upgrade request: the page's socket stays connecting, as one Chromium's throttle holds back does. */
  stallUpgrades?: boolean
}

export interface RegistryStandIn {
  base: string
  seen: {
    /** HTTP requests and upgrades, each one. */
    requests: number
    upgrades: number
    /** Requests and sockets the client closed before their answer. */
    cancelled: number
    /** Sockets the client closed after their list. */
    closedAfter: number
  }
}

/** A stand-in on 127.0.0.1:`port` (0: any free one), closed when the test ends. */
export const registryStandIn = async (port: number, opts: StandInOptions = {}): Promise<RegistryStandIn> => {
  const seen = { requests: 0, upgrades: 0, cancelled: 0, closedAfter: 0 }
  const later = (answer: () => void) => (opts.hang ? undefined : opts.delayMs ? setTimeout(answer, opts.delayMs).unref() : answer())
  const server: Server = createServer((req, res) => {
    seen.requests++
    res.once('close', () => !res.writableEnded && seen.cancelled++)
    later(() => !res.destroyed && res.writeHead(200, { 'Content-Type': 'application/json' }).end(body()))
  })
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (p) => (p.has('peer-plan') ? 'peer-plan' : false) })
  const stalled: Duplex[] = []
  server.on('upgrade', (req, socket, head) => {
    seen.requests++
    seen.upgrades++
    if (opts.stallUpgrades) return void stalled.push(socket.on('error', () => {}))
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => {})
      if (opts.closeCode) return ws.close(opts.closeCode, 'refused')
      let answered = false
      ws.once('close', () => (answered ? seen.closedAfter++ : seen.cancelled++))
      later(() => {
        if (ws.readyState !== ws.OPEN) return
        answered = true
        if (!opts.legacy) ws.send(body())
        ws.send(new Uint8Array([0, 1, 2, 0, 0])) // sync step 2 of an empty doc
      })
    })
  })
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r))
  const actual = (server.address() as AddressInfo).port
  const body = () => opts.body ?? JSON.stringify({ self: `peer-${actual}`, peers: [standInEntry(`peer-${actual}`, actual)] })
  onTestFinished(() => new Promise<void>((r) => (stalled.forEach((s) => s.destroy()), wss.clients.forEach((c) => c.terminate()), wss.close(), server.closeAllConnections(), server.close(() => r()))))
  return { base: `http://127.0.0.1:${actual}`, seen }
}
