/**
 * The directory entry's rule (schema.ts's peerEntrySchema) as plain code, for the paths that check
 * entries on every join and every directory change: a page's /registry answer, the cache's URLs, the
 * directory view and a peer's own projection of the directory.
 *
 * Why not zod there: in a fresh page zod/mini's first parse of a 10-entry /registry answer took
 * 1.6-2.2 ms (0.25-0.4 ms warm), against a 5.4 ms round trip for the fetch it follows; the goal
 * leaves 1.6 ms for everything the page adds. This takes a few hundredths of a millisecond. schema.ts
 * stays the specification: test/unit/entry-check.test.ts runs both on thousands of generated entries,
 * valid and broken, and asks for the same answer and the same output (unknown keys stripped, as zod
 * does), so a change to one that misses the other fails there.
 */
import { PEER_ID_PATTERN } from './peer-id.js'
import type { AgentInfo, HealthResponse, PeerEntry, RegistryResponse } from './schema.js'

/** Agents one peer lists at once (its own stdio agent plus socket clients). */
export const MAX_AGENTS = 16
/**
 * Peers a /registry answer may list. The directory doc is held under 512 KiB, and even a minimal entry
 * takes ~225 bytes in it, so no mesh lists more than ~2300: a longer answer is no peer's, and parsing
 * it whole would cost a page for nothing.
 */
export const MAX_LISTED_PEERS = 4096
/**
 * A peer's base URL as peers write it: http://, a host name, IPv4 address or [IPv6] address, and a port;
 * nothing else. It was any run of characters but `/` and white space, and a red-team entry whose URL
 * ended in U+202E was taken by every peer, which then put it in its link header when it dialled and
 * died of Node's ERR_INVALID_CHAR (one bad entry took the mesh down); a query, quotes or `<>` were
 * taken too, and a page asked `${url}/events` of a URL with a query in it. The port is 1-65535: one
 * past it (http://x:99999) is no URL to `new URL`, which threw in the Vite plugin's relay.
 */
export const PEER_URL_PATTERN = /^http:\/\/(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):(?:[1-9]\d{0,3}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d{2}|655[0-2]\d|6553[0-5])$/
export const PEER_URL_MAX = 256

type Obj = Record<string, unknown>
type Check = (value: unknown) => { ok: true; value: unknown } | null

const OK = <T>(value: T) => ({ ok: true as const, value })
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

/** A string's length as zod counts it: in code points (a surrogate pair is one), not UTF-16 units. */
const codePoints = (s: string): number => {
  let n = s.length
  for (let i = 0; i < s.length - 1; i++) {
    if ((s.charCodeAt(i) & 0xfc00) === 0xd800 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n--
      i++
    }
  }
  return n
}
// Code points are at most the units and at least half of them, so most strings need no count.
const atMost = (s: string, max: number): boolean => s.length <= max || (s.length <= 2 * max && codePoints(s) <= max)
const atLeast = (s: string, min: number): boolean => s.length >= 2 * min || (s.length >= min && codePoints(s) >= min)
const str = (min: number, max: number): Check => (v) => (typeof v === 'string' && atLeast(v, min) && atMost(v, max) ? OK(v) : null)
const matching = (pattern: RegExp, max = Infinity): Check => (v) => (typeof v === 'string' && atMost(v, max) && pattern.test(v) ? OK(v) : null)
/** z.int(): a safe integer, then the bounds. */
const int = (min: number, max = Number.MAX_SAFE_INTEGER): Check => (v) => (Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max ? OK(v) : null)
const bool: Check = (v) => (typeof v === 'boolean' ? OK(v) : null)
const oneOf = (...values: string[]): Check => (v) => (values.includes(v as string) ? OK(v) : null)
const nullable = (inner: Check): Check => (v) => (v === null ? OK(v) : inner(v))

const arrayOf = (item: Check, maxItems: number): Check => (v) => {
  if (!Array.isArray(v) || v.length > maxItems) return null
  const out: unknown[] = []
  for (let i = 0; i < v.length; i++) {
    const r = item(v[i])
    if (!r) return null
    out.push(r.value)
  }
  return OK(out)
}

interface Field {
  check: Check
  optional?: true
}

/** z.object's strip mode: every known key checked, unknown keys dropped; an optional key may be absent or undefined. */
const objectOf = (fields: Record<string, Field>): Check => {
  const keys = Object.keys(fields)
  return (v) => {
    if (!isObj(v)) return null
    const out: Obj = {}
    for (const key of keys) {
      const field = fields[key]!
      if (!(key in v)) {
        if (field.optional) continue
        return null
      }
      const value = v[key]
      if (value === undefined && field.optional) {
        out[key] = undefined
        continue
      }
      const r = field.check(value)
      if (!r) return null
      out[key] = r.value
    }
    return OK(out)
  }
}

const req = (check: Check): Field => ({ check })
const opt = (check: Check): Field => ({ check, optional: true })
/**
 * The pattern, and a URL a parser takes: the pattern alone takes hosts no parser does (`[:::::]`,
 * `999.999.999.999`), and ws's client throws on such a URL as it is made, uncaught in a peer that
 * dials it (a browser's WebSocket throws too).
 */
const peerUrl: Check = (v) => (typeof v === 'string' && (isLoopbackBase(v) || (atMost(v, PEER_URL_MAX) && PEER_URL_PATTERN.test(v) && URL.canParse(v))) ? OK(v) : null)

/** Base URLs the pattern and the parser take for any port 1-65535. */
const LOOPBACK_BASES = ['http://127.0.0.1:', 'http://localhost:', 'http://[::1]:']
/**
 * A loopback peer's URL as peers write it (a LOOPBACK_BASES prefix and the port in plain digits),
 * taken without the pattern or the parser: most URLs a page or a peer checks are these, and in a
 * fresh page the pattern's first run costs 0.12 ms and the parser's 0.07, which a join's cached peer
 * had to pay before its first request could leave (browser/discovery/cache.ts).
 */
const isLoopbackBase = (url: string): boolean => {
  const prefix = LOOPBACK_BASES.find((b) => url.startsWith(b))
  if (prefix === undefined) return false
  const digits = url.slice(prefix.length)
  const port = Number(digits)
  return Number.isInteger(port) && port >= 1 && port <= 65535 && String(port) === digits
}

const agentInfo = objectOf({
  session: req(str(1, 64)),
  client: req(str(1, 128)),
  version: opt(str(0, 64)),
  title: opt(str(0, 128)),
  capabilities: req(arrayOf(str(1, 64), 16)),
  ready: req(bool),
  workspace: opt(str(1, 128)),
  transport: req(oneOf('stdio', 'socket')),
  since: req(int(0))
})

const peerEntryFields = {
  id: req(matching(PEER_ID_PATTERN)),
  name: req(str(1, 128)),
  url: req(peerUrl),
  overflowUrl: opt(peerUrl),
  host: req(str(1, 64)),
  port: req(int(1, 65535)),
  pid: req(int(1)),
  pidStart: req(nullable(int(0))),
  hostId: req(str(1, 128)),
  version: req(str(1, 64)),
  protocol: req(int(1)),
  startedAt: req(int(0)),
  rooms: opt(arrayOf(str(0, 128), 256)),
  storedRooms: opt(arrayOf(str(0, 128), 256)),
  capabilities: opt(arrayOf(str(0, 64), 64)),
  agents: opt(arrayOf(agentInfo, MAX_AGENTS))
}
const peerEntry = objectOf(peerEntryFields)

/** z.number(): finite. */
const num: Check = (v) => (typeof v === 'number' && Number.isFinite(v) ? OK(v) : null)
const anyStr = str(0, Infinity)

// healthResponseSchema: the entry extended (its `rooms` replaced in place, as z.extend does).
const healthResponse = objectOf({
  ...peerEntryFields,
  ok: req((v) => (v === true ? OK(v) : null)),
  peers: req(int(0)),
  links: req(objectOf({ outbound: req(num), inbound: req(num) })),
  rooms: opt(arrayOf(anyStr, Infinity)),
  roomLinks: opt(objectOf({ outbound: req(num), inbound: req(num), connecting: opt(num), retrying: opt(num) })),
  roomTimers: opt(num),
  connections: opt(objectOf({ held: req(num), cap: req(num), evicted: req(num) }))
})

const registryResponse = objectOf({ self: req(str(0, Infinity)), peers: req(arrayOf(peerEntry, MAX_LISTED_PEERS)) })

/** An entry as peerEntrySchema would parse it (unknown keys dropped), or null. */
export const checkPeerEntry = (value: unknown): PeerEntry | null => (peerEntry(value)?.value as PeerEntry | undefined) ?? null

/** An agent as agentInfoSchema would parse it, or null. */
export const checkAgentInfo = (value: unknown): AgentInfo | null => (agentInfo(value)?.value as AgentInfo | undefined) ?? null

/** A GET /registry answer as registryResponseSchema would parse it, or null. */
export const checkRegistryResponse = (value: unknown): RegistryResponse | null => (registryResponse(value)?.value as RegistryResponse | undefined) ?? null

/** A GET /health answer as healthResponseSchema would parse it, or null. */
export const checkHealthResponse = (value: unknown): HealthResponse | null => (healthResponse(value)?.value as HealthResponse | undefined) ?? null

export const isPeerUrl = (value: unknown): value is string => peerUrl(value) !== null
