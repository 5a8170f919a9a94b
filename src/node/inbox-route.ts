/**
 * POST /inbox: another peer hands this peer a message for its agent(s). The answer comes once the
 * message is in the inbox. Only for programs on the mesh: a request with an Origin header (any browser)
 * is refused, so is one without the mesh's access token; the body is read up to a cap, and anything
 * malformed is a 4xx that stores nothing.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { readCapped } from './capped-body.js'
import type { Inbox } from './inbox.js'

/**
 * The largest valid message fits: JSON escapes a control character as six bytes (\u0001), so a text
 * of MAX_TEXT_BYTES can take 96 KiB on the wire, and its envelope's names up to ~2 KiB more.
 */
export const MAX_INBOX_BODY = 128 * 1024

export interface InboxRouteOptions {
  selfId: string
  inbox: Inbox
  /** Whether the request showed a peer's link proof, or the mesh's access token (Authorization: Bearer): only the mesh posts here. */
  authorize: (req: IncomingMessage) => boolean
}

const answer = (res: ServerResponse, status: number, body: unknown, close = false): void => {
  res.writeHead(status, { 'Content-Type': 'application/json', ...(close ? { Connection: 'close' } : {}) })
  res.end(JSON.stringify(body))
}

export const createInboxRoute = ({ selfId, inbox, authorize }: InboxRouteOptions) => {
  // Loaded on the first message (inbox-schema.ts says why), once per route.
  let schema: Promise<typeof import('./inbox-schema.js')> | null = null
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.headers.origin !== undefined) return answer(res, 403, { error: 'browsers may not post to /inbox' }, true)
    if (!authorize(req)) return answer(res, 401, { error: 'a peer link proof (X-Peer-Plan-Link) or the mesh access token (Authorization: Bearer) is required' }, true)
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return answer(res, 415, { error: 'expected application/json' }, true)
    if (Number(req.headers['content-length'] ?? 0) > MAX_INBOX_BODY) return answer(res, 413, { error: `body over ${MAX_INBOX_BODY} bytes` }, true)
    const body = await readCapped(req, MAX_INBOX_BODY).catch(() => null)
    if (body === null) return answer(res, 413, { error: `body over ${MAX_INBOX_BODY} bytes` }, true)
    let json: unknown
    try {
      json = JSON.parse(body.toString('utf8'))
    } catch {
      return answer(res, 400, { error: 'invalid JSON' })
    }
    const { wireMessageSchema } = await (schema ??= import('./inbox-schema.js'))
    const parsed = wireMessageSchema.safeParse(json)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!
      return answer(res, 400, { error: `${issue.path.join('.') || 'body'}: ${issue.message}` })
    }
    if (parsed.data.to !== selfId) return answer(res, 404, { error: `this is peer ${selfId}, not ${parsed.data.to}` })
    const { seq, duplicate } = inbox.add(parsed.data)
    answer(res, 200, { ok: true, seq, duplicate })
  }
}
