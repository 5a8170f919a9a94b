/**
 * Who this peer says it is, and on which addresses. Loopback scope binds the configured loopback host;
 * `lan` scope serves HTTP on every IPv4 interface and advertises the first LAN address, with every Host,
 * Origin and size rule still applied.
 */
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import { PROTOCOL_VERSION } from '../shared/protocol.js'
import type { PeerEntry } from '../shared/schema.js'
import type { PeerConfig } from './config.js'
import { lanAddresses } from './lan-addresses.js'
import type { Logger } from './log.js'
import { machineId, selfIdentity } from './process-identity.js'

import { VERSION } from './version.js'

export { VERSION }

export interface AddressPlan {
  lan: boolean
  bindHost: string
  /** The host part of this peer's URL. */
  urlHost: string
  /** More names for this peer in a request's Host header (lan scope: its interface addresses and name). */
  extraHosts: string[]
}

export const addressPlan = (config: PeerConfig, log: Logger): AddressPlan => {
  const lan = config.mdns === 'lan'
  const lanAddr = lan ? lanAddresses()[0] : undefined
  // The mDNS module says it once, as a warning; this only notes what the peer does about it.
  if (lan && !lanAddr) log.debug('--mdns lan: no non-loopback IPv4 interface; serving loopback only')
  return {
    lan,
    bindHost: lan && lanAddr ? '0.0.0.0' : config.host,
    urlHost: lanAddr ?? (config.host.includes(':') ? `[${config.host}]` : config.host),
    extraHosts: lan ? [...lanAddresses(), `${hostname()}.local`] : []
  }
}

export const buildSelfEntry = (config: PeerConfig, plan: AddressPlan, port: number): PeerEntry => ({
  id: randomBytes(8).toString('hex'),
  name: config.name ?? `peer-${port}`,
  url: `http://${plan.urlHost}:${port}`,
  host: config.host,
  port,
  ...selfIdentity(),
  hostId: machineId(),
  version: VERSION,
  protocol: PROTOCOL_VERSION,
  startedAt: Date.now(),
  capabilities: ['y-websocket']
})
