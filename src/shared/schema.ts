/**
 * The one entry schema shared by the directory doc, servers.json, GET /registry and GET /health.
 * Everything read from a file or the network goes through these parsers before it is trusted.
 * zod/mini rather than zod: the browser bundle carries these, and mini tree-shakes to a few KiB.
 */
import * as z from 'zod/mini'
import { checkPeerEntry, checkRegistryResponse, MAX_AGENTS, MAX_LISTED_PEERS, PEER_URL_MAX, PEER_URL_PATTERN } from './entry-check.js'
import { PEER_ID_PATTERN } from './peer-id.js'

export { MAX_AGENTS, MAX_LISTED_PEERS }

const port = z.number().check(z.int(), z.minimum(1), z.maximum(65535))
const str = (min: number, max: number) => z.string().check(z.minLength(min), z.maxLength(max))

/**
 * An agent attached to a peer over MCP, as its client described itself in `initialize`: self-reported,
 * so never an identity or a credential. `session` is minted by the peer, one per MCP connection.
 */
export const agentInfoSchema = z.object({
  session: str(1, 64),
  client: str(1, 128),
  version: z.optional(str(0, 64)),
  title: z.optional(str(0, 128)),
  /** The top-level capability names the client declared (e.g. roots, sampling, experimental:claude/channel). */
  capabilities: z.array(str(1, 64)).check(z.maxLength(16)),
  /** True once the client sent notifications/initialized. */
  ready: z.boolean(),
  /** The folder name of the client's first root, when it offered roots. */
  workspace: z.optional(str(1, 128)),
  transport: z.enum(['stdio', 'socket']),
  since: z.number().check(z.int(), z.nonnegative())
})
export type AgentInfo = z.infer<typeof agentInfoSchema>

/** A peer's base URL (http://host:port), as entries carry it. */
export const peerUrlSchema = z.string().check(z.maxLength(PEER_URL_MAX), z.regex(PEER_URL_PATTERN), z.refine((v) => URL.canParse(v)))

export const peerEntrySchema = z.object({
  id: z.string().check(z.regex(PEER_ID_PATTERN)),
  name: str(1, 128),
  url: peerUrlSchema,
  /** A peer that started outside the full port range and later took a range port still serves its first URL. */
  overflowUrl: z.optional(peerUrlSchema),
  host: str(1, 64),
  port,
  pid: z.number().check(z.int(), z.positive()),
  /** Process start time in clock ticks since boot (Linux /proc), so a reused pid is not taken for this peer. */
  pidStart: z.nullable(z.number().check(z.int(), z.nonnegative())),
  /** Which machine (boot) the pid belongs to: pids are only checked for entries of this machine. */
  hostId: str(1, 128),
  version: str(1, 64),
  protocol: z.number().check(z.int(), z.positive()),
  startedAt: z.number().check(z.int(), z.nonnegative()),
  rooms: z.optional(z.array(str(0, 128)).check(z.maxLength(256))),
  /** Rooms kept on disk in this peer's home, open or not (rooms/<name>/ under $PEER_PLAN_HOME). */
  storedRooms: z.optional(z.array(str(0, 128)).check(z.maxLength(256))),
  capabilities: z.optional(z.array(str(0, 64)).check(z.maxLength(64))),
  agents: z.optional(z.array(agentInfoSchema).check(z.maxLength(MAX_AGENTS)))
})

export type PeerEntry = z.infer<typeof peerEntrySchema>

export const registryFileSchema = z.object({
  peers: z.array(z.unknown())
})

export const registryResponseSchema = z.object({
  self: z.string(),
  peers: z.array(peerEntrySchema).check(z.maxLength(MAX_LISTED_PEERS))
})
export type RegistryResponse = z.infer<typeof registryResponseSchema>

export const healthResponseSchema = z.extend(peerEntrySchema, {
  ok: z.literal(true),
  peers: z.number().check(z.int(), z.nonnegative()),
  links: z.object({ outbound: z.number(), inbound: z.number() }),
  rooms: z.optional(z.array(z.string())),
  /**
   * Room links (room-links.ts): up, out to the homes of this peer's rooms, and in from peers this one is
   * home to; connecting; and dials waiting on a retry timer. Every count is 0 when no room is in use.
   */
  roomLinks: z.optional(z.object({ outbound: z.number(), inbound: z.number(), connecting: z.optional(z.number()), retrying: z.optional(z.number()) })),
  /** Timers the rooms hold: link retries plus one per room an agent wrote, until it is let go (room-server.ts). */
  roomTimers: z.optional(z.number()),
  /** TCP connections held, the cap on them, and how many were closed to make room at it (conn-cap.ts): what a flood cost. */
  connections: z.optional(z.object({ held: z.number(), cap: z.number(), evicted: z.number() }))
})
export type HealthResponse = z.infer<typeof healthResponseSchema>

/**
 * Parses an entry; returns null rather than throwing, since one bad entry must not cost the good ones.
 * This is peerEntrySchema's rule without zod's machinery (entry-check.ts says why; a test holds them equal).
 */
export const parsePeerEntry: (value: unknown) => PeerEntry | null = checkPeerEntry

/** Parses a GET /registry answer (registryResponseSchema's rule, as parsePeerEntry), or null. */
export const parseRegistryResponse: (value: unknown) => RegistryResponse | null = checkRegistryResponse
