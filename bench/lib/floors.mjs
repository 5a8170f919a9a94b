/**
 * Trivial loopback servers that are not peer-plan, to measure what the machine and Chromium cost on
 * their own: an HTTP server answering {} with CORS, and a WebSocket server that accepts and stays quiet.
 */
import { createServer } from 'node:http'
import { WebSocketServer } from 'ws'

export const startTrivialHttp = (port) =>
  new Promise((resolve, reject) => {
    const server = createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': req.url === '/' ? 'text/html' : 'application/json', 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'no-store' })
      res.end(req.url === '/' ? '<!doctype html><title>floor</title>' : '{}')
    })
    server.on('error', reject)
    server.listen(port, '127.0.0.1', () => resolve(server))
  })

export const startTrivialWs = (port) =>
  new Promise((resolve, reject) => {
    const server = createServer((_req, res) => res.writeHead(404).end())
    const wss = new WebSocketServer({ server })
    wss.on('connection', (ws) => ws.on('error', () => {}))
    server.on('error', reject)
    server.listen(port, '127.0.0.1', () => resolve({ close: () => (wss.close(), server.close()) }))
  })

/** In a page: one cross-origin fetch of `url` read as JSON, in ms (the floor-fetch sample). */
export const fetchOnce = async (url) => {
  const t = performance.now()
  await (await fetch(url, { cache: 'no-store' })).json()
  return performance.now() - t
}

/** In a page: one WebSocket open to `url`, in ms (the floor-ws sample). */
export const openOnce = (url) =>
  new Promise((resolve, reject) => {
    const t = performance.now()
    const ws = new WebSocket(url)
    ws.onopen = () => {
      resolve(performance.now() - t)
      ws.close()
    }
    ws.onerror = () => reject(new Error('ws failed'))
  })

/**
 * In a page: a fetch of every port of `[a, b]` at once (the scan's shape), in ms: the first answer read
 * as JSON (the floor-scan sample) and the moment all of them had settled.
 */
export const scanOnce = async ([a, b]) => {
  const t = performance.now()
  let first = null
  await Promise.allSettled(Array.from({ length: b - a + 1 }, (_, k) => fetch(`http://127.0.0.1:${a + k}/x`, { cache: 'no-store' }).then((r) => r.json()).then(() => { first ??= performance.now() - t })))
  return { first, all: performance.now() - t }
}
