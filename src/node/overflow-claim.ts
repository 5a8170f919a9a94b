/**
 * Wires an overflow peer's RangeClaim to the directory: which of this machine's overflow peers try
 * often, and what the peer announces once it holds a range port.
 */
import type { DirectoryView } from '../shared/directory.js'
import type { PeerEntry } from '../shared/schema.js'
import type { PeerConfig } from './config.js'
import type { ConnectionCap } from './conn-cap.js'
import type { Logger } from './log.js'
import { RangeClaim } from './range-claim.js'
import type { AddressPlan } from './self-entry.js'

/** At most this many overflow peers of a machine try for a freed range port often; the rest rarely. */
const FAST_CLAIMANTS = 3

export interface ClaimWiring {
  cap: ConnectionCap
  plan: AddressPlan
  config: PeerConfig
  view: DirectoryView
  entry: PeerEntry
  log: Logger
  claimed(port: number, url: string): void
}

export const overflowClaim = ({ cap, plan, config, view, entry, log, claimed }: ClaimWiring): RangeClaim => {
  const [first, last] = config.ports
  const overflowed = (p: PeerEntry) => p.hostId === entry.hostId && (p.port < first || p.port > last)
  return new RangeClaim({
    cap,
    host: plan.bindHost,
    range: config.ports,
    // Ranked by id among this machine's overflow peers the directory lists; a dead one still listed only
    // delays the next in line until the sweep evicts it (about a second), and the slow tries back it up.
    fast: () => view.peers().filter((p) => overflowed(p) && p.id < entry.id).length < FAST_CLAIMANTS,
    log,
    onClaimed: (port) => {
      const url = `http://${plan.urlHost}:${port}`
      log.info(`took range port ${port}: now ${url} (still serving ${entry.url})`)
      claimed(port, url)
    }
  })
}
