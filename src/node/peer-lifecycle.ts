/**
 * A wired peer's start and stop. The order is the point: the mesh goes first (it leaves the directory
 * and servers.json while the links still carry that), then rooms get a moment to flush to their
 * clients and home peers, and the HTTP server goes last so nothing answers for a peer that is gone.
 */
import type { Server } from 'node:http'

export interface PeerParts {
  server: Server
  mesh: { start(): Promise<void>; stop(): Promise<void> }
  rooms: { drain(maxMs: number): Promise<void>; close(): Promise<void> }
  roomLinks: { start(): void; stop(maxMs: number): Promise<void> }
  /** The overflow peer's hunt for a range port, when it has one. */
  claim: { start(): void; stop(): void } | null
  /** The listeners on the other loopback family of each port served (family-guard.ts). */
  guard: { close(): void }
  keepalive: { close(): void }
  upgrades: { close(): void }
  events: { destroy(): void }
  views: { destroy(): void }[]
}

/** How long rooms and room links may take to flush on the way out. */
const DRAIN_MS = 300

export interface PeerLifecycle {
  /** Starts the mesh, room links and claim; on a failure, closes what was made and throws. */
  start(): Promise<void>
  /** Idempotent: every call gets the one stop. */
  stop(): Promise<void>
}

export const peerLifecycle = (parts: PeerParts): PeerLifecycle => {
  const { server, mesh, rooms, roomLinks, claim } = parts
  const close = async () => {
    claim?.stop()
    parts.guard.close()
    await Promise.all([rooms.drain(DRAIN_MS), roomLinks.stop(DRAIN_MS)])
    await rooms.close()
    parts.keepalive.close()
    parts.upgrades.close()
    parts.events.destroy()
    for (const v of parts.views) v.destroy()
    server.closeAllConnections()
    await new Promise<void>((r) => server.close(() => r()))
  }
  let stopping: Promise<void> | null = null
  return {
    async start() {
      try {
        await mesh.start()
        roomLinks.start()
        claim?.start()
      } catch (err) {
        await mesh.stop().catch(() => {})
        await close()
        throw err
      }
    },
    stop: () => (stopping ??= mesh.stop().finally(close))
  }
}
