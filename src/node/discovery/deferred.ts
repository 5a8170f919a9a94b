import type { Logger } from '../log.js'
import type { HintSink, NodeDiscovery } from './hint.js'

export interface DeferredOptions {
  name: string
  /** Loads and builds the discovery (a dynamic import: its code is compiled only now). */
  load: () => Promise<NodeDiscovery>
  /** Opens when the discovery may start; until then it costs nothing. */
  gate: Promise<void>
  log: Logger
}

/**
 * A discovery that starts once `gate` opens, so a hint source the peer does not need to serve (mDNS:
 * peers of this home already find each other through servers.json) is no part of its start. Loading
 * bonjour-service and binding 5353 in the start cost 18-47 ms of spawn-to-ready on a 2-core machine
 * (interleaved A/B, 20 starts each). `start()` resolves at once; a failure to load or start is one
 * warning, as for any discovery.
 */
export class DeferredDiscovery implements NodeDiscovery {
  readonly name: string
  private inner: NodeDiscovery | null = null
  /** The inner discovery's start while it runs: a stop waits for it, so nothing it binds outlives the stop. */
  private starting: Promise<void> | null = null
  private stopped = false

  constructor(private readonly opts: DeferredOptions) {
    this.name = opts.name
  }

  start(sink: HintSink): Promise<void> {
    this.opts.gate
      .then(async () => {
        if (this.stopped) return
        const d = await this.opts.load()
        if (this.stopped) return
        this.inner = d
        this.starting = d.start(sink)
        await this.starting
      })
      .catch((err: unknown) => this.opts.log.warn(`${this.name} discovery did not start: ${err instanceof Error ? err.message : String(err)}`))
    return Promise.resolve()
  }

  /** Never waits for the gate: a peer that stops before it opens simply never starts the discovery. */
  async stop(): Promise<void> {
    this.stopped = true
    const d = this.inner
    this.inner = null
    await this.starting?.catch(() => {})
    await d?.stop()
  }
}
