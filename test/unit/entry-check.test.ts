/**
 * entry-check.ts is schema.ts's entry rule written out by hand (for speed); zod stays the specification.
 * These run both on the same inputs, valid and broken, one field at a time and in random mixes, and ask
 * for the same verdict and the same output.
 */
import { describe, expect, it } from 'vitest'
import { checkAgentInfo, checkHealthResponse, checkPeerEntry, checkRegistryResponse, isPeerUrl } from '../../src/shared/entry-check.js'
import { agentInfoSchema, healthResponseSchema, MAX_LISTED_PEERS, peerEntrySchema, peerUrlSchema, registryResponseSchema } from '../../src/shared/schema.js'

const zodOr = <T>(r: { success: boolean; data?: T }): T | null => (r.success ? r.data! : null)

const agent = () => ({ session: 's1', client: 'claude-code', version: '1.0', title: 'Claude Code', capabilities: ['roots', 'experimental:claude/channel'], ready: true, workspace: 'app', transport: 'stdio', since: 1700000000000 })
const entry = () => ({
  id: 'a1b2c3d4e5f60718', name: 'peer-1234', url: 'http://127.0.0.1:1234', overflowUrl: 'http://127.0.0.1:40001', host: '127.0.0.1', port: 1234, pid: 4242,
  pidStart: 3084999, hostId: '0f868a34-434a', version: '0.1.0', protocol: 1, startedAt: 1796304076663, rooms: ['notes', ''], storedRooms: ['old'],
  capabilities: ['y-websocket'], agents: [agent()]
})

const s = (n: number) => 'x'.repeat(n)
/** What the old rule (anything but `/` and white space) let through: hosts and a port no URL parser takes, a bidi override, a query, quotes and angle brackets, no port. */
const HOSTILE_URLS = ['http://[:::::]:1', 'http://999.999.999.999:1', 'http://1.2.3.4.5:1', 'http://x:99999', 'http://x:65536', 'http://x:0', 'http://x:01', 'http://127.0.0.1:1\u202e', 'http://127.0.0.1:1?x', 'http://127.0.0.1:1#x', `http://127.0.0.1:1"'<>`, 'http://127.0.0.1', 'http://127.0.0.1:1\\x', 'http://u@127.0.0.1:1']
const ints = (min: number, max: number) => [min - 1, min, max, max + 1, 1.5, -0, NaN, Infinity, -Infinity, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1, '1', null, true]
// Astral characters and lone surrogates too: zod counts a length in code points, not UTF-16 units.
const astral = (n: number) => '\u{1F600}'.repeat(n)
const strs = (min: number, max: number) => [
  s(Math.max(0, min - 1)), s(min), s(max), s(max + 1), astral(max), astral(max) + 'x', astral(Math.max(1, min)), '\ud800'.repeat(max + 1), '\udc00\ud800', 1, null, [], {}, true
]
const arrs = (max: number, item: unknown) => [[], Array(max).fill(item), Array(max + 1).fill(item), [1], [null], 'a', {}, null]
const ABSENT = Symbol('absent')

/** Bad, edge and good values for each field; ABSENT removes the key, undefined sets it to undefined. */
const entryValues: Record<string, unknown[]> = {
  id: ['abcd', 'abc', s(64), s(65), 'ab cd', 'a/bc', 'A_b-9', 7, null, ABSENT],
  name: [...strs(1, 128), ABSENT, undefined],
  url: [
    'http://127.0.0.1:1', 'https://x', 'http://a/b', 'http://a b', 'http://' + s(247) + ':1', 'http://' + s(248) + ':1', 'http://' + astral(249), 'http://' + astral(250), '', 5, ABSENT,
    ...HOSTILE_URLS, 'http://[::1]:9', 'http://localhost:1234', 'http://192.168.1.20:1234', 'http://x:65535'
  ],
  overflowUrl: ['http://[::1]:9', 'ftp://x', 7, null, ABSENT, undefined],
  host: [...strs(1, 64), ABSENT],
  port: [...ints(1, 65535), ABSENT],
  pid: [...ints(1, Number.MAX_SAFE_INTEGER), ABSENT],
  pidStart: [...ints(0, Number.MAX_SAFE_INTEGER), ABSENT, undefined],
  hostId: [...strs(1, 128), ABSENT],
  version: [...strs(1, 64), ABSENT],
  protocol: [...ints(1, Number.MAX_SAFE_INTEGER), ABSENT],
  startedAt: [...ints(0, Number.MAX_SAFE_INTEGER), ABSENT],
  rooms: [...arrs(256, s(128)), [s(129)], ABSENT, undefined],
  storedRooms: [...arrs(256, ''), [s(129)], ABSENT, undefined],
  capabilities: [...arrs(64, s(64)), [s(65)], ABSENT, undefined],
  agents: [...arrs(16, agent()), [{ ...agent(), ready: 'yes' }], ABSENT, undefined],
  extra: ['dropped', { nested: 1 }]
}
const agentValues: Record<string, unknown[]> = {
  session: [...strs(1, 64), ABSENT],
  client: [...strs(1, 128), ABSENT],
  version: [...strs(0, 64), ABSENT, undefined],
  title: [...strs(0, 128), ABSENT, undefined],
  capabilities: [...arrs(16, s(64)), [''], [s(65)], ABSENT],
  ready: [true, false, 0, 'true', null, ABSENT],
  workspace: [...strs(1, 128), ABSENT, undefined],
  transport: ['stdio', 'socket', 'http', '', null, ABSENT],
  since: [...ints(0, Number.MAX_SAFE_INTEGER), ABSENT],
  extra: [1]
}

const withValue = (base: Record<string, unknown>, key: string, value: unknown) => {
  const out = { ...base }
  if (value === ABSENT) delete out[key]
  else out[key] = value
  return out
}

/** A small seeded PRNG (mulberry32), so a failure names an input that can be run again. */
const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const expectSameEntry = (v: unknown) => expect(checkPeerEntry(v), JSON.stringify(v)?.slice(0, 300)).toStrictEqual(zodOr(peerEntrySchema.safeParse(v)))

describe('checkPeerEntry agrees with peerEntrySchema', () => {
  it('on a valid entry, and strips unknown keys as zod does', () => {
    const e = { ...entry(), extra: 1, agents: [{ ...agent(), extra: 2 }] }
    expect(checkPeerEntry(e)).not.toBeNull()
    expectSameEntry(e)
  })
  it.each(Object.keys(entryValues))('on every edge value of %s', (key) => {
    for (const value of entryValues[key]!) expectSameEntry(withValue(entry(), key, value))
  })
  it.each(Object.keys(agentValues))("on every edge value of an agent's %s", (key) => {
    for (const value of agentValues[key]!) {
      const a = withValue(agent(), key, value)
      expect(checkAgentInfo(a)).toStrictEqual(zodOr(agentInfoSchema.safeParse(a)))
      expectSameEntry({ ...entry(), agents: [a] })
    }
  })
  it('on non-objects', () => {
    for (const v of [null, undefined, 1, 'x', [], [entry()], true, Object.create(null)]) expectSameEntry(v)
  })
  it('on 5000 random mixes of edge values', () => {
    const rand = prng(12)
    const keys = Object.keys(entryValues)
    for (let i = 0; i < 5000; i++) {
      let e: Record<string, unknown> = entry()
      for (let k = 1 + Math.floor(rand() * 3); k > 0; k--) {
        const key = keys[Math.floor(rand() * keys.length)]!
        const values = entryValues[key]!
        e = withValue(e, key, values[Math.floor(rand() * values.length)])
      }
      expectSameEntry(e)
    }
  })
})

describe('checkRegistryResponse agrees with registryResponseSchema', () => {
  it.each([
    ['a whole answer', { self: 'a1b2c3d4e5f60718', peers: [entry(), entry()] }],
    ['an empty mesh', { self: '', peers: [] }],
    ['one bad entry', { self: 'x', peers: [entry(), { ...entry(), port: 0 }] }],
    ['no self', { peers: [entry()] }],
    ['peers not a list', { self: 'x', peers: {} }],
    ['self not a string', { self: 1, peers: [] }],
    ['extra keys', { self: 'x', peers: [], more: true }],
    ['the most peers an answer may list', { self: 'x', peers: Array.from({ length: MAX_LISTED_PEERS }, () => entry()) }],
    ['one peer more than that', { self: 'x', peers: Array.from({ length: MAX_LISTED_PEERS + 1 }, () => entry()) }]
  ])('on %s', (_name, v) => expect(checkRegistryResponse(v)).toStrictEqual(zodOr(registryResponseSchema.safeParse(v))))

  it('an answer listing more than MAX_LISTED_PEERS is refused', () => {
    expect(checkRegistryResponse({ self: 'x', peers: Array.from({ length: MAX_LISTED_PEERS + 1 }, () => entry()) })).toBeNull()
    expect(checkRegistryResponse({ self: 'x', peers: Array.from({ length: MAX_LISTED_PEERS }, () => entry()) })?.peers).toHaveLength(MAX_LISTED_PEERS)
  })
})

describe('isPeerUrl agrees with peerUrlSchema', () => {
  it.each(entryValues.url!.filter((v) => v !== ABSENT))('on %j', (v) => expect(isPeerUrl(v)).toBe(peerUrlSchema.safeParse(v).success))
  // A peer puts an entry's URL in the link header it dials with; U+202E there killed it (ERR_INVALID_CHAR).
  it.each(HOSTILE_URLS)('refuses %j, which is no URL a peer writes', (v) => expect(isPeerUrl(v)).toBe(false))
})

const health = () => ({
  ...entry(), ok: true, peers: 3, links: { outbound: 2, inbound: 1 }, rooms: ['notes', s(300)],
  roomLinks: { outbound: 1, inbound: 0, connecting: 0, retrying: 1 }, roomTimers: 2
})
const nums = [0, -1, 1.5, NaN, Infinity, -Infinity, '1', null, ABSENT]
const healthValues: Record<string, unknown[]> = {
  ok: [true, false, 'true', 1, null, ABSENT],
  peers: [...ints(0, Number.MAX_SAFE_INTEGER), ABSENT],
  links: [{ outbound: 1, inbound: 1 }, { outbound: 1 }, { outbound: NaN, inbound: 1 }, { outbound: 1, inbound: 1, more: 1 }, [], null, ABSENT],
  rooms: [[], [s(500)], Array(300).fill('r'), [1], 'notes', ABSENT, undefined],
  roomLinks: [{ outbound: 1, inbound: 1 }, { outbound: 1, inbound: 1, connecting: Infinity }, { outbound: 1, inbound: 1, retrying: '1' }, { inbound: 1 }, null, ABSENT, undefined],
  roomTimers: [...nums, undefined],
  port: [0, 65536, ABSENT],
  agents: [[{ ...agent(), ready: 1 }], ABSENT]
}

describe('isPeerUrl takes a loopback base on a comparison, as peerUrlSchema would', () => {
  const ports = ['1', '80', '65535', '0', '65536', '080', '1e3', '0x10', ' 80', '', '1.5', '-1', '80/x', '80?x', '1\u202e']
  const urls = ['http://127.0.0.1:', 'http://localhost:', 'http://[::1]:', 'http://127.0.0.10:', 'http://[::1]x:'].flatMap((b) => ports.map((p) => b + p))
  it.each(urls)('on %j', (v) => expect(isPeerUrl(v)).toBe(peerUrlSchema.safeParse(v).success))
})

describe('checkHealthResponse agrees with healthResponseSchema', () => {
  const same = (v: unknown) => expect(checkHealthResponse(v), JSON.stringify(v)?.slice(0, 300)).toStrictEqual(zodOr(healthResponseSchema.safeParse(v)))
  it('on a whole answer, and strips unknown keys as zod does', () => {
    expect(checkHealthResponse({ ...health(), extra: 1 })).not.toBeNull()
    same({ ...health(), extra: 1 })
  })
  it.each(Object.keys(healthValues))('on every edge value of %s', (key) => {
    for (const value of healthValues[key]!) same(withValue(health(), key, value))
  })
  it('on 2000 random mixes of edge values', () => {
    const rand = prng(34)
    const pool = { ...entryValues, ...healthValues }
    const keys = Object.keys(pool)
    for (let i = 0; i < 2000; i++) {
      let h: Record<string, unknown> = health()
      for (let k = 1 + Math.floor(rand() * 3); k > 0; k--) {
        const key = keys[Math.floor(rand() * keys.length)]!
        const values = pool[key as keyof typeof pool]!
        h = withValue(h, key, values[Math.floor(rand() * values.length)])
      }
      same(h)
    }
  })
})
