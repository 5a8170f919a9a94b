/**
 * The answer to a JSON-RPC request too long to read (line-cap.ts drops it), so its client gets an error
 * at once instead of waiting for its own timeout. Only the line's two ends are kept, and those are
 * enough: clients write a request's short members at one end, the SDK's TypeScript client last
 * (`{"method":…,"params":…,"jsonrpc":"2.0","id":7}`), Python's first (`{"jsonrpc":"2.0","id":7,"method":…`).
 * A line that names no method is a response (to the peer's roots/list, say) or no message: nothing
 * is answered then, since an error under the id of a response would be read as the answer to one of
 * the client's own requests.
 */

/** How many bytes of each end of a dropped line are kept to find its id. */
export const END_BYTES = 512

/** JSON-RPC's "Invalid Request". */
export const INVALID_REQUEST = -32600

const STRING = String.raw`"(?:[^"\\]|\\.)*"`
const SCALAR = String.raw`${STRING}|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null`
const MEMBER = String.raw`\s*([{,])\s*(${STRING})\s*:\s*(${SCALAR})\s*`
const BACKWARD = new RegExp(String.raw`([{,])\s*(${STRING})\s*:\s*(${SCALAR})\s*$`)

type Members = Map<string, unknown>

/** The object's members with scalar values, read from its start up to the first that is not one. */
const leading = (head: string): Members => {
  const out: Members = new Map()
  // Sticky, so each match starts where the last ended; one per call, as a sticky regex keeps its place.
  const forward = new RegExp(MEMBER, 'y')
  for (let m = forward.exec(head); m && (m[1] === '{') === (out.size === 0); m = forward.exec(head)) {
    out.set(JSON.parse(m[2]!) as string, JSON.parse(m[3]!))
  }
  return out
}

/** The same from the object's end, back to the first member that is not a scalar. */
const trailing = (tail: string): Members => {
  const out: Members = new Map()
  let rest = /\}\s*$/.test(tail) ? tail.replace(/\}\s*$/, '') : ''
  for (let m = BACKWARD.exec(rest); m; m = BACKWARD.exec(rest)) {
    out.set(JSON.parse(m[2]!) as string, JSON.parse(m[3]!))
    if (m[1] === '{') break
    rest = rest.slice(0, m.index)
  }
  return out
}

/** The id of the request whose line began with `head` and ended with `tail`, or null if none is sure. */
export const droppedRequestId = (head: string, tail: string): string | number | null => {
  const first = leading(head)
  const last = trailing(tail)
  if (typeof (first.get('method') ?? last.get('method')) !== 'string') return null
  const id = first.get('id') ?? last.get('id')
  return typeof id === 'string' || (typeof id === 'number' && Number.isSafeInteger(id)) ? id : null
}

/** The JSON-RPC error that answers it. */
export const tooLargeError = (id: string | number, bytes: number, max: number) => ({
  jsonrpc: '2.0' as const,
  id,
  error: { code: INVALID_REQUEST, message: `request of ${bytes} bytes not read: a message may be at most ${max} bytes` }
})
