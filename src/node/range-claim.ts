/**
 * An overflow peer's claim on the port range. A peer that found the range full listens on an ephemeral
 * port; while it does, it tries now and then to bind a range port as an extra listener, whose
 * connections go to the same HTTP server. The bind is the arbiter: of overflow peers racing for one
 * freed port, the kernel lets exactly one have it, and the others carry on. The first success ends
 * the claim and its timer; a peer inside the range never runs one.
 *
 * Cost: only the first few overflow peers (by id, among this machine's overflow entries in the
 * directory) try every ~0.45 s; the rest try every ~4.5 s as a backstop, so the failed binds per second
 * stay near constant as N grows instead of rising with the number of overflow peers.
 */
import { createServer, type Server } from 'node:net'
import type { ConnectionCap } from './conn-cap.js'
import { portTaken, tryListen } from './listen.js'
import type { Logger } from './log.js'

export interface RangeClaimOptions {
  /** Where connections accepted on the claimed port go: the peer's server, under its one cap. */
  cap: ConnectionCap
  host: string
  range: [number, number]
  /** True while this peer is one of the few overflow peers that try often. */
  fast(): boolean
  onClaimed(port: number): void
  log: Logger
  /** Upper bound of a fast claimant's wait between tries (drawn from [ms/2, ms]). Default 600. */
  fastMs?: number
  /** The same for the others. Default 6000. */
  slowMs?: number
}

export class RangeClaim {
  private timer: ReturnType<typeof setTimeout> | null = null
  private listener: Server | null = null
  private stopped = false
  private trying = false
  /** Failed binds so far (what the claim has cost). */
  misses = 0

  constructor(private readonly opts: RangeClaimOptions) {}

  start(): void {
    this.schedule()
  }

  /** The range port this peer holds, or null. */
  get port(): number | null {
    const addr = this.listener?.address()
    return addr && typeof addr === 'object' ? addr.port : null
  }

  private schedule(): void {
    if (this.stopped || this.listener) return
    const max = this.opts.fast() ? (this.opts.fastMs ?? 600) : (this.opts.slowMs ?? 6000)
    // Jitter: claimants that overflowed together do not try together.
    this.timer = setTimeout(this.tick, max / 2 + (Math.random() * max) / 2)
  }

  private tick = (): void => {
    this.timer = null
    if (this.trying) return
    this.trying = true
    void this.tryRange()
      .then((listener) => {
        if (!listener) return this.schedule()
        if (this.stopped) return void listener.close()
        this.listener = listener
        listener.on('connection', this.opts.cap.hand)
        listener.on('error', (err) => this.opts.log.warn(`range port ${this.port}: ${err.message}`))
        this.opts.onClaimed(this.port!)
      })
      .catch((err: Error) => {
        this.opts.log.debug(`range claim: ${err.message}`)
        this.schedule()
      })
      .finally(() => (this.trying = false))
  }

  /** Tries each range port once, from a random one on (so claimants spread over several free ports). */
  private async tryRange(): Promise<Server | null> {
    const [first, last] = this.opts.range
    const n = last - first + 1
    const offset = Math.floor(Math.random() * n)
    // No cap of its own: the peer's server's one cap counts these too (conn-cap.ts).
    const listener = createServer()
    for (let i = 0; i < n && !this.stopped; i++) {
      const port = first + ((offset + i) % n)
      const err = await tryListen(listener, this.opts.host, port)
      if (!err) return listener
      this.misses++
      if (!portTaken(err)) throw new Error(`cannot listen on ${this.opts.host}:${port}: ${err.code ?? err.message}`)
    }
    return null
  }

  /**
   * Ends the claim: no more tries, and the range port (if held) stops accepting at once, so the next
   * claimant can have it. Its open connections belong to the HTTP server, which closes them.
   */
  stop(): void {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.listener?.close()
  }
}
