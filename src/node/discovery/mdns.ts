/**
 * mDNS discovery with bonjour-service: every peer publishes `_peer-plan._tcp` and browses for the others.
 *
 * Scope `loopback` multicasts only through 127.0.0.1 (Linux allows it even though lo has no MULTICAST
 * flag); `lan` runs one responder per non-loopback IPv4 interface. The socket binds 0.0.0.0:5353, since
 * a socket bound to a unicast address receives no multicast; Linux then also delivers group traffic that
 * arrived on other interfaces, so in loopback scope anything whose source is not 127.x is ignored.
 *
 * A peer's address is taken from the packet's source, not from bonjour's A records (those list every
 * interface of the host). Probing is skipped: names are unique (peer-plan-<id>) and probing costs ~0.8 s.
 * Anything going wrong (5353 taken, no multicast, a responder already there) is one warning, and the peer
 * carries on with the registry file.
 */
import { lanAddresses } from '../lan-addresses.js'
import { Bonjour, type Browser, type Service } from 'bonjour-service'
import { isPeerId } from '../../shared/peer-id.js'
import { DIRECTORY_ROOM, PROTOCOL_VERSION } from '../../shared/protocol.js'
import type { Logger } from '../log.js'
import type { HintSink, NodeDiscovery } from './hint.js'

export const SERVICE_TYPE = 'peer-plan'

export interface MdnsOptions {
  scope: 'loopback' | 'lan'
  id: string
  port: number
  log: Logger
}

interface Responder {
  iface: string
  bonjour: Bonjour
  service: Service | null
  browser: Browser | null
}

export class MdnsDiscovery implements NodeDiscovery {
  readonly name = 'mdns'
  private responders: Responder[] = []
  private warned = false
  private failed = false

  constructor(private readonly opts: MdnsOptions) {}

  /** The TXT record: small, no secrets; every key=value far under 255 bytes. */
  txt(): Record<string, string> {
    return { id: this.opts.id, v: String(PROTOCOL_VERSION), room: DIRECTORY_ROOM }
  }

  private warn(what: string, err: Error | string): void {
    if (this.warned) return
    this.warned = true
    this.opts.log.warn(`mDNS (${this.opts.scope}) ${what}: ${typeof err === 'string' ? err : err.message}; carrying on without it (the registry file still joins peers of this home)`)
  }

  async start(sink: HintSink): Promise<void> {
    const ifaces = this.opts.scope === 'loopback' ? ['127.0.0.1'] : lanAddresses()
    if (ifaces.length === 0) return this.warn('found no interface', 'no non-loopback IPv4 address')
    for (const iface of ifaces) {
      let bonjour: Bonjour
      try {
        bonjour = new Bonjour({ interface: iface, bind: '0.0.0.0', ttl: this.opts.scope === 'loopback' ? 1 : 255 } as never, (err: Error) => this.onFailure('failed', err))
      } catch (err) {
        this.warn('could not start', err as Error)
        continue
      }
      const r: Responder = { iface, bonjour, service: null, browser: null }
      this.responders.push(r)
      const mdns = (bonjour as unknown as { server: { mdns: NodeJS.EventEmitter } }).server.mdns
      mdns.on('error', (err: Error) => this.onFailure(`cannot use port 5353 on ${iface}`, err))
      mdns.on('warning', (err: Error) => this.warn(`on ${iface}`, err))
      // multicast-dns drops send errors on the floor; ask once ourselves so "no multicast here" is said.
      ;(mdns as unknown as { query: (name: string, type: string, cb: (err: Error | null) => void) => void }).query(`_${SERVICE_TYPE}._tcp.local`, 'PTR', (err) => {
        if (err) this.onFailure(`cannot send multicast on ${iface}`, err)
      })
      try {
        r.service = bonjour.publish({ name: `peer-plan-${this.opts.id}`, type: SERVICE_TYPE, port: this.opts.port, txt: this.txt(), probe: false, disableIPv6: true })
        r.service.on('error', (err: Error) => this.warn('publish failed', err))
        this.opts.log.debug(`mDNS published peer-plan-${this.opts.id} on ${iface} at=${Date.now()}`)
        r.browser = bonjour.find({ type: SERVICE_TYPE }, (svc) => this.onUp(svc, sink))
        r.browser.on('down', (svc) => this.onDown(svc, sink))
      } catch (err) {
        this.onFailure('failed', err as Error)
      }
    }
  }

  private onFailure(what: string, err: Error): void {
    this.warn(what, err)
    if (this.failed) return
    this.failed = true
    // A half-working responder (bound but unable to send, say) would only add noise.
    this.stop().catch(() => {})
  }

  private hintOf(svc: Service): { url: string; id: string } | null {
    const id = (svc.txt as Record<string, unknown> | undefined)?.id
    if (!isPeerId(id) || id === this.opts.id) return null
    const address = svc.referer?.address
    if (!address || !Number.isInteger(svc.port) || svc.port < 1 || svc.port > 65535) return null
    const loopback = address.startsWith('127.')
    if (this.opts.scope === 'loopback' ? !loopback : loopback) return null
    return { url: `http://${address}:${svc.port}`, id }
  }

  private onUp(svc: Service, sink: HintSink): void {
    const hint = this.hintOf(svc)
    if (hint) sink.found({ ...hint, source: 'mdns' })
  }

  private onDown(svc: Service, sink: HintSink): void {
    const hint = this.hintOf(svc)
    if (hint) sink.lost({ ...hint, source: 'mdns' })
  }

  /** Goodbyes first (unpublish), then destroy in the callback; bounded so shutdown stays fast. */
  async stop(): Promise<void> {
    const responders = this.responders
    this.responders = []
    await Promise.all(
      responders.map(
        (r) =>
          new Promise<void>((resolve) => {
            const done = () => {
              clearTimeout(timer)
              try {
                r.browser?.stop()
                r.bonjour.destroy()
              } catch {}
              resolve()
            }
            const timer = setTimeout(done, 300)
            try {
              r.bonjour.unpublishAll(done)
            } catch {
              done()
            }
          })
      )
    )
  }
}
