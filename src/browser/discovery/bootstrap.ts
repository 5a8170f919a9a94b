/** Peer URLs the caller already knows, tried in parallel. */
import type { KeyProofs } from './key-proofs.js'
import { firstRegistry, type DiscoverySource } from './source.js'

export const bootstrapSource = (urls: string[], timeoutMs: number, proofs: KeyProofs | null = null): DiscoverySource => ({
  via: 'bootstrap',
  find: (signal) => firstRegistry(urls.map((u) => u.replace(/\/+$/, '')), signal, timeoutMs, null, null, proofs)
})
