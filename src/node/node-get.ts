/**
 * The health client's GET for a peer (shared/health-client.ts, HttpGet): node:http, which the peer's
 * server has loaded anyway, instead of Node's fetch. A peer's first fetch loads undici: measured here,
 * about 45 ms of CPU and 13 MiB of resident memory for the first GET, against 12 ms and none for
 * node:http. A peer asks /health only to judge a lost link or a hint (prober.ts, mesh.ts), so under a
 * 32-peer cold start a third of them paid that in the middle of the storm, and kept the memory.
 *
 * Each request has its own connection (no agent): a probe is rare, and one that finds a socket kept
 * alive from an earlier probe would not test what it is asked to. The body is bounded.
 */
import { request, type IncomingMessage } from 'node:http'
import { HealthError, type HttpGet, type HttpReply } from '../shared/health-client.js'
import { MAX_PAYLOAD_BYTES } from '../shared/protocol.js'
import { readCapped } from './capped-body.js'

/**
 * The largest answer read: a directory syncs in one MAX_PAYLOAD_BYTES frame, and its JSON (/registry)
 * is a few times its Yjs encoding at most.
 */
export const MAX_ANSWER_BYTES = 4 * MAX_PAYLOAD_BYTES

const reply = (res: IncomingMessage, signal: AbortSignal, maxBytes: number): HttpReply => {
  const status = res.statusCode ?? 0
  return {
    ok: status >= 200 && status < 300,
    status,
    headers: { get: (name) => [res.headers[name.toLowerCase()]].flat()[0] ?? null },
    body: { cancel: async () => void res.destroy() },
    json: () =>
      readCapped(res, maxBytes).then(
        (body) => {
          if (body === null) {
            res.destroy()
            throw new HealthError(`answer over ${maxBytes} bytes`)
          }
          return JSON.parse(body.toString('utf8')) as unknown
        },
        // A cut connection or a fired signal ends the body early: the signal's reason says which.
        (err: unknown) => {
          throw signal.aborted ? signal.reason : err
        }
      )
  }
}

/** GET `url` with node:http; rejects with `signal.reason` once the signal fires, as fetch does. */
export const nodeGet =
  (maxBytes = MAX_ANSWER_BYTES): HttpGet =>
  (url, { signal, headers }) =>
    new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason)
      const req = request(url, { method: 'GET', agent: false, signal, headers: { Accept: 'application/json', ...headers } }, (res) => resolve(reply(res, signal, maxBytes)))
      req.on('error', (err) => reject(signal.aborted ? signal.reason : err))
      // An answer that never becomes a response (a 101: node:http then drops the socket) emits neither
      // 'response' nor 'error', and the signal can no longer end it: without this it would wait for ever.
      req.on('close', () => reject(signal.aborted ? signal.reason : Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })))
      req.end()
    })
