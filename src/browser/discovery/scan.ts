/**
 * A scan of the port range for /registry: the first peer to answer brings the whole mesh (the others
 * are cancelled).
 *
 * The lowest ports are asked first, alone for SCAN_STAGGER.ms: a peer takes the lowest free port, so
 * they are the likeliest to be held, and dead ones are refused in ~1 ms, which lets the rest go at
 * once. All ports at once answered in ten processes side by side; on 2 cores those answers and their
 * cancellations then held back the live directory's handshake (scan-live 28.7 ms against 12.8 for
 * registry-live in the reference run).
 *
 * In a join (`heads` given), those first ports are asked as the head start asks its peer: a directory
 * socket opened `?registry` (head-start.ts), whose first frame is the list and which then carries the
 * live directory, so the page follows the peer it found without a second handshake. The rest are
 * asked with fetch(), and so is every port when the join's own head start was not refused before the
 * race began (HeadStarts.forScan: Chromium's throttle of a renderer's WebSockets after failed ones may
 * be holding it), and in a rediscovery after a lost peer: most of a range can be dead, and refused
 * fetches on loopback fail in ~1 ms whatever failed before.
 */
import { HeadStart, type HeadStarts } from './head-start.js'
import type { KeyProofs } from './key-proofs.js'
import { baseUrl, firstRegistry, SourceError, type DiscoverySource, type Stagger } from './source.js'

const SCAN_STAGGER: Stagger = { head: 2, ms: 15 }

export const scanSource = (host: string, ports: readonly [number, number], timeoutMs: number, skip: number[] = [], proofs: KeyProofs | null = null, heads: HeadStarts | null = null): DiscoverySource => ({
  via: 'scan',
  find(signal) {
    const urls: string[] = []
    for (let p = ports[0]; p <= ports[1]; p++) if (!skip.includes(p)) urls.push(baseUrl(host, p))
    if (heads && !signal.aborted) for (const url of urls.slice(0, SCAN_STAGGER.head)) heads.add(new HeadStart(url, 'scan', timeoutMs, proofs))
    return firstRegistry(urls, signal, timeoutMs, SCAN_STAGGER, heads, proofs).catch((err: SourceError) => {
      throw new SourceError(`ports ${ports[0]}-${ports[1]}${skip.length ? ` (less ${skip.join(', ')})` : ''}: ${err.message}`, err.refusedBy)
    })
  }
})
