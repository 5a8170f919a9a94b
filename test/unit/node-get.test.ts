/**
 * The health client's two transports, fetch (pages) and nodeGet (peers), against the same loopback
 * servers: every outcome getJson reports must be the same through either, since a peer's verdicts and
 * a page's discovery read the same phrases. And a peer's probe must not load undici (node-get.ts says why).
 */
import { execFile } from 'node:child_process'
import { createServer, type Server, type ServerResponse } from 'node:http'
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import { describe, expect, it, onTestFinished } from 'vitest'
import { getJson, HealthError, type HttpGet } from '../../src/shared/health-client.js'
import { nodeGet } from '../../src/node/node-get.js'
import { refusedUrl } from '../helpers/loopback.js'

type Handler = (res: ServerResponse, headers: Record<string, unknown>) => void

/** A loopback server answering every request with `handler`; its sockets are cut when the test ends. */
const serve = async (handler: Handler) => {
  const sockets = new Set<Socket>()
  const server: Server = createServer((req, res) => handler(res, req.headers))
  server.on('connection', (s) => (sockets.add(s), s.once('close', () => sockets.delete(s))))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  onTestFinished(() => new Promise<void>((r) => (sockets.forEach((s) => s.destroy()), server.close(() => r()))))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure') }, (err: unknown) => err as HealthError)

/** A server that never answers, and one that stops halfway through its body. */
const slowServers = async () => [await serve(() => {}), await serve((res) => res.writeHead(200, { 'Content-Type': 'application/json' }).write('{"a":'))]

const transports: [string, HttpGet | undefined][] = [['fetch', undefined], ['nodeGet', nodeGet()]]

describe.each(transports)('getJson through %s', (_name, get) => {
  it('reads a JSON answer and sends the headers asked for', async () => {
    const url = await serve((res, headers) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ auth: headers.authorization })))
    expect(await getJson(url, { timeoutMs: 2000, get, headers: { Authorization: 'Bearer x' } })).toEqual({ auth: 'Bearer x' })
  })

  it('a refused connection says ECONNREFUSED', async () => {
    const err = await failure(getJson(await refusedUrl(), { timeoutMs: 2000, get }))
    expect(err).toBeInstanceOf(HealthError)
    expect(err.message).toBe('ECONNREFUSED')
    expect(err.timedOut).toBe(false)
  })

  it('a server that never answers, or stops halfway through its body, times out', async () => {
    for (const url of await slowServers()) {
      const err = await failure(getJson(url, { timeoutMs: 150, get }))
      expect(err.message).toBe('no answer in 150 ms')
      expect(err.timedOut).toBe(true)
    }
  })

  it("the caller's signal cancels, before the answer and during its body", async () => {
    for (const url of await slowServers()) {
      const stop = new AbortController()
      const pending = failure(getJson(url, { timeoutMs: 60_000, get, signal: stop.signal }))
      // After the headers have come, for the stalled body.
      await new Promise((r) => setTimeout(r, 50))
      stop.abort()
      expect((await pending).message).toBe('cancelled')
    }
  })

  it('an answer that is not HTTP/1.1 with a body (a bare 101) fails, and does not wait for the deadline', async () => {
    const server = createNetServer((socket) => {
      socket.on('error', () => {})
      socket.once('data', () => socket.end('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: nothing\r\n\r\n'))
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    onTestFinished(() => new Promise<void>((r) => server.close(() => r())))
    const err = await failure(getJson(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { timeoutMs: 60_000, get }))
    expect(err).toBeInstanceOf(HealthError)
    expect(err.timedOut).toBe(false)
  })

  it('a refused Origin and an error status say so from the headers; a body that is not JSON says that', async () => {
    const refused = await serve((res) => res.writeHead(403, { 'X-Peer-Plan-Refused': 'origin' }).end('no'))
    const failing = await serve((res) => res.writeHead(503, { 'X-Peer-Plan-Error': 'full' }).end())
    const text = await serve((res) => res.writeHead(200).end('<html>'))
    const a = await failure(getJson(refused, { timeoutMs: 2000, get }))
    expect([a.message, a.originRefused]).toEqual(["HTTP 403: this page's origin is not allowed", true])
    expect((await failure(getJson(failing, { timeoutMs: 2000, get }))).message).toBe('HTTP 503: full')
    expect((await failure(getJson(text, { timeoutMs: 2000, get }))).message).toBe('not JSON')
  })
})

describe('nodeGet', () => {
  it('stops reading an answer over its bound', async () => {
    const url = await serve((res) => res.writeHead(200).end(JSON.stringify({ pad: 'x'.repeat(5000) })))
    expect((await failure(getJson(url, { timeoutMs: 2000, get: nodeGet(1000) }))).message).toBe('answer over 1000 bytes')
    expect(await getJson(url, { timeoutMs: 2000, get: nodeGet(10_000) })).toHaveProperty('pad')
  })

  it("a peer's /health probe leaves undici unloaded (built code, in a fresh Node)", async () => {
    const url = await serve((res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}'))
    const liveness = fileURLToPath(new URL('../../dist/node/liveness.js', import.meta.url))
    const script = `const { probePeer } = await import(${JSON.stringify(liveness)})
      const verdict = await probePeer({ url: ${JSON.stringify(url)}, hostId: 'elsewhere', id: 'x', port: 1, pid: 1, pidStart: 0 }, { hostId: 'here', timeoutMs: 2000 })
      console.log(JSON.stringify({ verdict, undici: process.moduleLoadList.some((m) => m.includes('undici')) }))`
    const out = await new Promise<string>((resolve, reject) => execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 20_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout))))
    // The answer is no peer's (no id): what matters is that it was read, and how.
    expect(JSON.parse(out)).toEqual({ verdict: { alive: false, reason: '/health: not a peer-plan peer' }, undici: false })
  })
})
