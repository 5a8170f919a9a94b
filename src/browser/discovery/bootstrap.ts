/** Peer URLs the caller already knows, tried in parallel. */
import { firstRegistry, type DiscoverySource } from './source.js'

export const bootstrapSource = (urls: string[], timeoutMs: number): DiscoverySource => ({
  via: 'bootstrap',
  find: (signal) => firstRegistry(urls.map((u) => u.replace(/\/+$/, '')), signal, timeoutMs)
})
