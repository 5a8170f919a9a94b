/**
 * The one entry schema shared by the directory doc, servers.json, GET /registry and GET /health.
 * Everything read from a file or the network goes through these parsers before it is trusted.
 */
import { z } from 'zod'

const port = z.number().int().min(1).max(65535)

export const peerEntrySchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{4,64}$/),
  name: z.string().min(1).max(128),
  url: z.string().max(256).regex(/^http:\/\/[^/\s]+$/),
  host: z.string().min(1).max(64),
  port,
  pid: z.number().int().positive(),
  /** Process start time in clock ticks since boot (Linux /proc), so a reused pid is not taken for this peer. */
  pidStart: z.number().int().nonnegative().nullable(),
  /** Which machine (boot) the pid belongs to: pids are only checked for entries of this machine. */
  hostId: z.string().min(1).max(128),
  version: z.string().min(1).max(64),
  protocol: z.number().int().positive(),
  startedAt: z.number().int().nonnegative(),
  rooms: z.array(z.string().max(128)).max(256).optional(),
  capabilities: z.array(z.string().max(64)).max(64).optional()
})

export type PeerEntry = z.infer<typeof peerEntrySchema>

export const registryFileSchema = z.object({
  peers: z.array(z.unknown())
})

export const registryResponseSchema = z.object({
  self: z.string(),
  peers: z.array(peerEntrySchema)
})
export type RegistryResponse = z.infer<typeof registryResponseSchema>

export const healthResponseSchema = peerEntrySchema.extend({
  ok: z.literal(true),
  peers: z.number().int().nonnegative(),
  links: z.object({ outbound: z.number().int(), inbound: z.number().int() }),
  rooms: z.array(z.string()).optional()
})
export type HealthResponse = z.infer<typeof healthResponseSchema>

/** Parses an entry; returns null rather than throwing, since one bad entry must not cost the good ones. */
export const parsePeerEntry = (value: unknown): PeerEntry | null => {
  const r = peerEntrySchema.safeParse(value)
  return r.success ? r.data : null
}
