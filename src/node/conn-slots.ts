/**
 * Who may hold a connection slot. Strangers (no token, no link proof) draw from a budget of their own,
 * per address and in total, so however many sockets one of them opens, peer links and people never
 * meet a full peer because of it. On loopback every local process shares 127.0.0.1: one shared
 * per-address count there would let a local stranger starve every local peer link and page.
 * Peers proved the mesh key and are never refused here; people (the token) keep a per-address bound,
 * counted apart from strangers'.
 */
import type { AccessClass } from './access.js'
import { PerAddress, type RoomLimits } from './room-limits.js'

/**
 * Room allowances are per remote host. On loopback every local process shares 127.0.0.1, so the address
 * names no one client; there, only clients with the token (the user's own) can make rooms at all, and
 * the peer's total bound applies.
 */
export const chargedPerAddress = (address: string): boolean => !/^(127\.|::1$|::ffff:127\.)/.test(address)

export type SlotVerdict = 'ok' | 'address full' | 'strangers full'

type SlotLimits = Pick<RoomLimits, 'maxConnsPerAddress' | 'maxStrangerConnsPerAddress' | 'maxStrangerConns'>

export class ConnectionSlots {
  private readonly people: PerAddress
  private readonly strangers: PerAddress
  private strangerTotal = 0

  constructor(private readonly limits: SlotLimits) {
    this.people = new PerAddress(limits.maxConnsPerAddress)
    this.strangers = new PerAddress(limits.maxStrangerConnsPerAddress)
  }

  /** Whether a connection would be taken now, without taking it (a failed handshake holds nothing). */
  check(access: AccessClass, address: string): SlotVerdict {
    if (access === 'peer') return 'ok'
    if (access === 'person') return this.people.count(address) >= this.limits.maxConnsPerAddress ? 'address full' : 'ok'
    if (this.strangerTotal >= this.limits.maxStrangerConns) return 'strangers full'
    return this.strangers.count(address) >= this.limits.maxStrangerConnsPerAddress ? 'address full' : 'ok'
  }

  /** Takes a slot; false when the budget filled up since `check`. Each true needs one `release`. */
  take(access: AccessClass, address: string): boolean {
    if (access === 'peer') return true
    if (access === 'person') return this.people.admit(address)
    if (this.strangerTotal >= this.limits.maxStrangerConns || !this.strangers.admit(address)) return false
    this.strangerTotal++
    return true
  }

  release(access: AccessClass, address: string): void {
    if (access === 'person') this.people.release(address)
    if (access !== 'stranger') return
    this.strangers.release(address)
    this.strangerTotal--
  }
}
