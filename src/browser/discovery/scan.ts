/**
 * A parallel fetch of /registry across the port range: the first peer to answer brings the whole mesh
 * (the others are cancelled). Never WebSockets: Chromium throttles failed
 * WebSocket attempts (seconds when every port fails), while refused fetches on loopback fail in ~1 ms.
 */
import { baseUrl, firstRegistry, SourceError, type DiscoverySource } from './source.js'

export const scanSource = (host: string, ports: readonly [number, number], timeoutMs: number, skip: number[] = []): DiscoverySource => ({
  via: 'scan',
  find(signal) {
    const urls: string[] = []
    for (let p = ports[0]; p <= ports[1]; p++) if (!skip.includes(p)) urls.push(baseUrl(host, p))
    return firstRegistry(urls, signal, timeoutMs).catch((err: SourceError) => {
      throw new SourceError(`ports ${ports[0]}-${ports[1]}${skip.length ? ` (less ${skip.join(', ')})` : ''}: ${err.message}`, err.refusedBy)
    })
  }
})
