/**
 * A fetch of /registry across the port range: the first peer to answer brings the whole mesh (the
 * others are cancelled). Never WebSockets: Chromium throttles failed WebSocket attempts (seconds when
 * every port fails), while refused fetches on loopback fail in ~1 ms.
 *
 * The lowest ports are asked first, alone for SCAN_STAGGER.ms: a peer takes the lowest free port, so
 * they are the likeliest to be held, and dead ones are refused in ~1 ms, which lets the rest go at
 * once. All ports at once answered in ten processes side by side; on 2 cores those answers and their
 * cancellations then held back the live directory's handshake (scan-live 28.7 ms against 12.8 for
 * registry-live in the reference run).
 */
import type { KeyProofs } from './key-proofs.js'
import { baseUrl, firstRegistry, SourceError, type DiscoverySource, type Stagger } from './source.js'

const SCAN_STAGGER: Stagger = { head: 2, ms: 15 }

export const scanSource = (host: string, ports: readonly [number, number], timeoutMs: number, skip: number[] = [], proofs: KeyProofs | null = null): DiscoverySource => ({
  via: 'scan',
  find(signal) {
    const urls: string[] = []
    for (let p = ports[0]; p <= ports[1]; p++) if (!skip.includes(p)) urls.push(baseUrl(host, p))
    return firstRegistry(urls, signal, timeoutMs, SCAN_STAGGER, null, proofs).catch((err: SourceError) => {
      throw new SourceError(`ports ${ports[0]}-${ports[1]}${skip.length ? ` (less ${skip.join(', ')})` : ''}: ${err.message}`, err.refusedBy)
    })
  }
})
