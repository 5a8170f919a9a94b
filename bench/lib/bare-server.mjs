/** The floor for a peer's start and weight: node with an HTTP server and a ws WebSocketServer, nothing else. */
import { createServer } from 'node:http'
import { WebSocketServer } from 'ws'

const server = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}'))
const wss = new WebSocketServer({ server })
wss.on('connection', (ws) => ws.on('error', () => {}))
server.listen(Number(process.argv[2]), '127.0.0.1', () => process.stderr.write('ready\n'))
