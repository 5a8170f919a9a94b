/** GET /registry on the first port of the range: one request that returns the whole mesh. */
import { baseUrl, fetchRegistry, type DiscoverySource } from './source.js'

export const registrySource = (host: string, port: number, timeoutMs: number): DiscoverySource => ({
  via: 'registry',
  find: (signal) => fetchRegistry(baseUrl(host, port), signal, timeoutMs)
})
