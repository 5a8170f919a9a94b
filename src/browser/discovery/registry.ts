/** GET /registry on the first port of the range: one request that returns the whole mesh. */
import { registryResponseSchema } from '../../shared/schema.js'
import { baseUrl, getJson, type DiscoverySource, type Found } from './source.js'

export const registrySource = (host: string, port: number, timeoutMs: number): DiscoverySource => ({
  via: 'registry',
  async find(signal): Promise<Found> {
    const url = baseUrl(host, port)
    const parsed = registryResponseSchema.safeParse(await getJson(`${url}/registry`, signal, timeoutMs))
    if (!parsed.success) throw new Error(`${url}/registry: not a peer-plan registry`)
    return { url, id: parsed.data.self, peers: parsed.data.peers }
  }
})
