/**
 * Rooms this peer's own agent wrote (MCP write_room). Such a room has no connection here, so nothing
 * else would keep it: it is held for idleMs after its last write, long enough for its room links to
 * carry the write to the room's homes and for the agent to read it back without a reload, then let go
 * like any room nobody uses (it is on disk, and on its homes). One timer per held room and none once it
 * is gone, so an idle room still costs no timer. A room whose homes are not all linked yet is held a
 * second at a time until they are: the agent's write must leave this peer first.
 */
export interface RoomPinsOptions {
  idleMs: number
  /** Whether what this peer holds of `name` has reached its homes (room-links.ts `settled`). */
  settled: (name: string) => boolean
  /** The pin ran out: the room may go. */
  expired: (name: string) => void
}

export class RoomPins {
  private readonly timers = new Map<string, NodeJS.Timeout>()

  constructor(private readonly opts: RoomPinsOptions) {}

  has(name: string): boolean {
    return this.timers.has(name)
  }

  /** Holds `name` for idleMs from now; true when it was not held before. */
  touch(name: string): boolean {
    const had = this.timers.get(name)
    if (had) clearTimeout(had)
    this.timers.set(name, this.later(name, this.opts.idleMs))
    return had === undefined
  }

  private later(name: string, ms: number): NodeJS.Timeout {
    return setTimeout(() => {
      if (!this.opts.settled(name)) return void this.timers.set(name, this.later(name, Math.min(ms, 1000)))
      this.timers.delete(name)
      this.opts.expired(name)
    }, ms).unref()
  }

  /** Rooms held now, each with one pending timer. */
  get size(): number {
    return this.timers.size
  }

  clear(): void {
    for (const t of this.timers.values()) clearTimeout(t)
    this.timers.clear()
  }
}
