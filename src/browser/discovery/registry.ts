/** GET /registry on the first port of the range: one request that returns the whole mesh. */
import { HealthError } from '../../shared/health-client.js'
import type { AnswerTaker } from './head-start.js'
import type { KeyProofs } from './key-proofs.js'
import { baseUrl, direct, fetchRegistry, SourceError, type DiscoverySource } from './source.js'

export const registrySource = (host: string, port: number, timeoutMs: number, early?: AnswerTaker | null, proofs: KeyProofs | null = null): DiscoverySource => ({
  via: 'registry',
  find: (signal) => {
    const base = baseUrl(host, port)
    return fetchRegistry(base, signal, timeoutMs, direct, early, proofs).catch((err: Error) => {
      throw err instanceof HealthError && err.originRefused ? new SourceError(err.message, [base]) : err
    })
  }
})
