/**
 * A peer's hold on the other loopback family of each port it serves. A page that asks
 * http://localhost:P may reach 127.0.0.1:P or [::1]:P (Chromium resolves localhost to both itself,
 * whatever the peer's resolver says), and a proof for Host `localhost:P` binds only the port
 * (http-guards.ts hostNamesSocket). A process without the key on the family the peer left free could
 * pass a page's nonce on with Host `localhost:P`, hand back the peer's proof, and be sent the token.
 * So a peer on one family listens on the other too, handing those sockets to the same server under its
 * one cap (ConnectionCap.hand, as an overflow peer's range port does), and proves `localhost:P` only
 * where no one else can answer it: both families held, or the other absent on this machine. If another
 * process got there first the peer still serves, and says once that it proves localhost there no more.
 */
import { createServer, type Server, type Socket } from 'node:net'
import { tryListen } from './listen.js'
import type { Logger } from './log.js'

/** The other family does not exist here (no ::1, or no IPv6 at all): no one can hold it either. */
const ABSENT = new Set(['EADDRNOTAVAIL', 'EAFNOSUPPORT'])

/**
 * The loopback address a listener bound to `address` leaves free, or null when `address` is not one
 * of localhost's two (another 127/8 address): then localhost reaches only others, never this peer.
 */
const otherFamily = (address: string): string | null => {
  // 0.0.0.0 (lan scope) holds 127.0.0.1 with every other IPv4 address.
  if (address === '127.0.0.1' || address === '0.0.0.0') return '::1'
  if (address === '::1') return '127.0.0.1'
  return null
}

const shown = (address: string, port: number): string => `${address.includes(':') ? `[${address}]` : address}:${port}`

export interface FamilyGuardOptions {
  /** Where a socket accepted on the other family goes: the peer's server, under its one cap. */
  hand(socket: Socket): void
  log: Logger
}

export class FamilyGuard {
  /** Ports on which `localhost` names this peer alone. A port still being held is not in it yet. */
  private readonly provable = new Set<number>()
  private readonly listeners: Server[] = []
  private closed = false

  constructor(private readonly opts: FamilyGuardOptions) {}

  /**
   * Takes the other family of `port`; `address` is where the peer's own listener on it is bound, as
   * server.address() tells (so `--host localhost` counts as what it resolved to). One listen: resolves
   * as soon as the kernel answers, never rejects.
   */
  async hold(address: string, port: number): Promise<void> {
    const other = otherFamily(address)
    if (other === null || this.closed) return
    const listener = createServer()
    const err = await tryListen(listener, other, port)
    if (!err && this.closed) return void listener.close()
    if (!err) {
      this.listeners.push(listener)
      listener.on('connection', this.opts.hand)
      listener.on('error', (e) => this.opts.log.warn(`${shown(other, port)}: ${e.message}`))
    } else if (!ABSENT.has(err.code ?? '')) {
      const own = shown(address === '0.0.0.0' ? '127.0.0.1' : address, port)
      return this.opts.log.warn(
        `cannot also listen on ${shown(other, port)} (${err.code ?? err.message}): a page that asks http://localhost:${port} may reach whatever holds it, so this peer gives and takes no proof of the mesh key for localhost:${port}; name it http://${own}`
      )
    }
    this.provable.add(port)
  }

  /** Whether a Host `localhost:<port>` reaches only this peer, so a proof for it may be given. */
  readonly localhostHeld = (port: number): boolean => this.provable.has(port)

  /** Stops accepting on every guard listener at once; their open connections are the server's to close. */
  close(): void {
    this.closed = true
    for (const l of this.listeners.splice(0)) l.close()
    this.provable.clear()
  }
}
