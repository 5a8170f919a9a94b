/**
 * The peer's HTTP side: a route table built once at start, and one request handler that applies the
 * access policy (Host, Origin), CORS and the method rule before any route runs.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { EventsResponse } from '../shared/mesh-events.js'
import { isProofNonce, PROOF_PARAM } from '../shared/peer-proof.js'
import type { HealthResponse } from '../shared/schema.js'
import { ASSET_FILES, type BrowserAssets } from './browser-assets.js'
import { DASHBOARD_CSP } from './dashboard-page.js'
import { answerPreflight, checkRequest, setCorsHeaders, type AccessPolicy } from './http-guards.js'

/**
 * Writes a GET answer; `head` asks for the headers only; `person`: the request showed the access token;
 * `host`: its Host header, which the Host check has already taken, or null if it does not name the
 * address the request came in on (http-guards.ts hostNamesSocket).
 */
export type Route = (res: ServerResponse, head: boolean, person: boolean, query: URLSearchParams, host: string | null) => void

/** Answers a POST; it reads (and bounds) the body itself. */
export type PostRoute = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>

export interface RouteSources {
  /** Strangers get no room names. */
  health(person: boolean): HealthResponse
  /** /registry's JSON text; strangers get the entries without their room names. */
  registryJson(person: boolean): string
  /** The recent history after seq `after`; people only (event-log.ts). */
  events(after: number): EventsResponse
  /** This peer's proof of the mesh key for a page's nonce and the base URL it asked (shared/peer-proof.ts). */
  proof(nonce: string, base: string): string
  dashboardHtml: string
  /** Browser bundles by path, read on first request. */
  assets: BrowserAssets
}

const answerJson = (res: ServerResponse, head: boolean, status: number, body: unknown): void => {
  res.writeHead(status, { 'Content-Type': 'application/json' })
  res.end(head ? undefined : JSON.stringify(body))
}

/** What a proved answer is: its text, or why there is none (the status and the reason the page reads). */
export type Proved = { text: string } | { status: 400 | 421; reason: string }

/**
 * `body` as JSON, and with a `nonce` this peer's proof of the mesh key for it and the URL the page
 * asked (shared/peer-proof.ts), spliced into the encoded object: the answer without a nonce is byte for
 * byte what it always was, and costs nothing more. `host`: the Host asked, or null if it does not name
 * the socket (then no proof is given). The one rule of /health?proof=, /registry?proof= and the
 * directory socket's list frame (upgrade.ts).
 */
export const provedText = (json: () => string, nonce: string | null, host: string | null, proof: RouteSources['proof']): Proved => {
  if (nonce === null) return { text: json() }
  if (!isProofNonce(nonce)) return { status: 400, reason: 'proof must be 32 lowercase hex digits (a fresh nonce)' }
  if (host === null) return { status: 421, reason: 'Host does not name the address this request came in on: no proof for it' }
  const text = json()
  return { text: `${text.slice(0, -1)},"${PROOF_PARAM}":"${proof(nonce, `http://${host}`)}"}` }
}

/** /health and /registry: JSON, proved with `?proof=<nonce>` (provedText). */
const proved =
  (json: (person: boolean) => string, proof: RouteSources['proof']): Route =>
  (res, head, person, query, host) => {
    const answer = provedText(() => json(person), query.get(PROOF_PARAM), host, proof)
    if ('reason' in answer) {
      return void res.writeHead(answer.status, { 'Content-Type': 'application/json', 'X-Peer-Plan-Error': answer.reason }).end(head ? undefined : JSON.stringify({ error: answer.reason }))
    }
    res.writeHead(200, { 'Content-Type': 'application/json' })
    res.end(head ? undefined : answer.text)
  }

/** GET /events?after=N: room names and who messaged whom are for people, as rooms are. */
const eventsRoute =
  (events: RouteSources['events']): Route =>
  (res, head, person, query) => {
    if (!person) return answerJson(res, head, 401, { error: 'the history needs the access token (Authorization: Bearer)' })
    const after = query.get('after') ?? '0'
    if (!/^\d{1,15}$/.test(after)) return answerJson(res, head, 400, { error: `after must be a whole number of 0 or more, not ${JSON.stringify(after.slice(0, 20))}` })
    answerJson(res, head, 200, events(Number(after)))
  }

const fixed =
  (headers: Record<string, string | number>, body: Buffer | string): Route =>
  (res, head) => {
    res.writeHead(200, headers)
    res.end(head ? undefined : body)
  }

export const buildRoutes = (src: RouteSources): Map<string, Route> => {
  const routes = new Map<string, Route>([
    ['/health', proved((person) => JSON.stringify(src.health(person)), src.proof)],
    ['/registry', proved(src.registryJson, src.proof)],
    ['/events', eventsRoute(src.events)],
    ['/', fixed({ 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': DASHBOARD_CSP, 'Referrer-Policy': 'no-referrer' }, src.dashboardHtml)],
    // Browsers ask for it on every page load; an empty answer keeps their consoles clean.
    ['/favicon.ico', (res) => void res.writeHead(204).end()]
  ])
  for (const path of Object.keys(ASSET_FILES)) {
    routes.set(path, (res, head) => {
      const body = src.assets.get(path)
      if (!body) return void res.writeHead(404, { 'Content-Type': 'text/plain' }).end(head ? undefined : 'Not built\n')
      fixed({ 'Content-Type': 'text/javascript; charset=utf-8', 'Content-Length': body.length }, body)(res, head, false, new URLSearchParams(), '')
    })
  }
  return routes
}

/**
 * No GET route reads a request body (POST routes read their own, capped), so a request that sends one (and every refusal) is answered with
 * Connection: close and its socket destroyed once the answer is flushed: what the client still sends is
 * never read. Without this, Node drains a refused request's body (512 MiB if the client says so) to
 * keep the connection alive for the next request.
 */
const refuse = (req: IncomingMessage, res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void => {
  res.once('finish', () => req.socket.destroy())
  res.writeHead(status, { 'Content-Type': 'text/plain', Connection: 'close', ...headers }).end(`${text}\n`)
}

const hasBody = (req: IncomingMessage): boolean => {
  // Node's parser has already refused a Content-Length that is not a number.
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0
}

const TOO_LARGE = 'Request bodies are not accepted'

export const createRequestHandler =
  (policy: AccessPolicy, routes: Map<string, Route>, isPerson: (req: IncomingMessage) => boolean, posts: Map<string, PostRoute> = new Map()) =>
  (req: IncomingMessage, res: ServerResponse): void => {
    res.setHeader('Cache-Control', 'no-store')
    res.setHeader('X-Content-Type-Options', 'nosniff')
    const verdict = checkRequest(policy, req)
    if (!verdict.ok) return refuse(req, res, verdict.status, verdict.reason, verdict.headers)
    setCorsHeaders(policy, req, res)
    if (req.method === 'OPTIONS') return hasBody(req) ? refuse(req, res, 413, TOO_LARGE) : answerPreflight(req, res)
    const [path = '', search = ''] = (req.url ?? '/').split('?', 2)
    const post = posts.get(path)
    if (post && req.method === 'POST') {
      return void Promise.resolve(post(req, res)).catch(() => res.headersSent || refuse(req, res, 500, 'Internal error'))
    }
    if (post) return refuse(req, res, 405, 'Method not allowed', { Allow: 'POST' })
    const route = routes.get(path)
    if (!route) return refuse(req, res, 404, 'Not found')
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(req, res, 405, 'Method not allowed', { Allow: 'GET, HEAD, OPTIONS' })
    if (hasBody(req)) return refuse(req, res, 413, TOO_LARGE)
    // The Host check above took req.headers.host, so it is there.
    const host = req.headers.host ?? ''
    route(res, req.method === 'HEAD', isPerson(req), new URLSearchParams(search), policy.namesSocket(host, req.socket) ? host : null)
  }
