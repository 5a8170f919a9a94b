/**
 * The seed's "Registry Server" spike, rebuilt as it describes itself: a dedicated HTTP server on its own
 * port that reads ~/.peer-plan/servers.json on each request and serves it at /registry with CORS.
 * The page side (in run.mjs) polls it every 5 s, as the spike did.
 */
import { createServer } from 'node:http'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'

export const startSeedRegistry = (home, port) =>
  new Promise((resolve, reject) => {
    const server = createServer(async (req, res) => {
      const headers = { 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'no-store' }
      if (req.url !== '/registry') return void res.writeHead(404, headers).end('{}')
      try {
        const text = await readFile(join(home, 'servers.json'), 'utf8')
        res.writeHead(200, headers).end(JSON.stringify({ servers: JSON.parse(text).peers ?? [] }))
      } catch {
        res.writeHead(200, headers).end('{"servers":[]}')
      }
    })
    server.on('error', reject)
    server.listen(port, '127.0.0.1', () => resolve(server))
  })
