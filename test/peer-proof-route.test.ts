/** A peer's proof of the mesh key on /health and /registry (shared/peer-proof.ts), asked of the real CLI. */
import { get as httpGet } from 'node:http'
import { describe, expect, it } from 'vitest'
import { provesKey } from '../src/shared/peer-proof.js'
import { PORTS, range } from './helpers/ports.js'
import { spawnPeer, tempHome } from './helpers/peers.js'

const R = PORTS.peerProofRoute
const NONCE = '0123456789abcdef0123456789abcdef'

const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers, signal: AbortSignal.timeout(3000) })

describe('GET /health and /registry with ?proof=', () => {
  it('prove the key for the nonce and the URL asked; a bad nonce is a 400; without the query, nothing changes', async () => {
    const peer = await spawnPeer({ home: tempHome(), args: ['--ports', range(R)] })
    for (const path of ['/health', '/registry']) {
      const plain = await (await get(`${peer.url}${path}`)).text()
      expect(plain).not.toMatch(/proof/)
      const res = await get(`${peer.url}${path}?proof=${NONCE}`)
      expect(res.status).toBe(200)
      const text = await res.text()
      const body = JSON.parse(text) as { proof: string }
      // The answer without the query, with the proof spliced in at its end.
      expect(text.replace(/,"proof":"[0-9a-f]{64}"}$/, '}')).toBe(plain)
      expect(await provesKey(peer.token, NONCE, peer.url, body.proof)).toBe(true)
      // For exactly that URL and nonce: a relay asked at another URL cannot use it.
      expect(await provesKey(peer.token, NONCE, `http://127.0.0.1:${R[0] + 1}`, body.proof)).toBe(false)
      expect(await provesKey(peer.token, NONCE.replace('0', '1'), peer.url, body.proof)).toBe(false)
      // Asked as localhost, the proof names localhost: the Host the request came with.
      const local = (await (await get(`http://localhost:${peer.port}${path}?proof=${NONCE}`)).json()) as { proof: string }
      expect(await provesKey(peer.token, NONCE, `http://localhost:${peer.port}`, local.proof)).toBe(true)
      for (const bad of ['', 'xyz', NONCE.toUpperCase(), `${NONCE}0`, NONCE.slice(1)]) {
        const refused = await get(`${peer.url}${path}?proof=${bad}`)
        expect(refused.status).toBe(400)
        expect(refused.headers.get('x-peer-plan-error')).toMatch(/32 lowercase hex/)
      }
    }
    // A Host the peer does not answer to is refused before any proof is made.
    // (node:http: fetch sends the Host of its URL whatever it is told.)
    const status = await new Promise<number | undefined>((resolve, reject) =>
      httpGet({ host: '127.0.0.1', port: peer.port, path: `/health?proof=${NONCE}`, headers: { Host: `127.0.0.1:${R[0] + 1}` } }, (res) => (res.resume(), resolve(res.statusCode))).on('error', reject)
    )
    expect(status).toBe(403)
  })

  it('give no proof for a Host naming an address the request did not come in on (a relay on [::1] with the page\'s Host)', async () => {
    const peer = await spawnPeer({ home: tempHome(), args: ['--ports', range(R)] })
    // What a process without the key on [::1]:P sends on to the peer on 127.0.0.1:P: the page's Host.
    const ask = (host: string) =>
      new Promise<{ status: number | undefined; body: string }>((resolve, reject) =>
        httpGet({ host: '127.0.0.1', port: peer.port, path: `/registry?proof=${NONCE}`, headers: { Host: host } }, (res) => {
          let body = ''
          res.on('data', (d: Buffer) => (body += d))
          res.on('end', () => resolve({ status: res.statusCode, body }))
        }).on('error', reject)
      )
    const relayed = await ask(`[::1]:${peer.port}`)
    expect(relayed.status).toBe(421)
    const proof = (JSON.parse(relayed.body) as { proof?: string }).proof
    expect(await provesKey(peer.token, NONCE, `http://[::1]:${peer.port}`, proof)).toBe(false)
    // The address it did come in on still proves, and so does the same port as localhost.
    expect(await provesKey(peer.token, NONCE, peer.url, (JSON.parse((await ask(`127.0.0.1:${peer.port}`)).body) as { proof: string }).proof)).toBe(true)
    expect((await ask(`localhost:${peer.port}`)).status).toBe(200)
  })
})
