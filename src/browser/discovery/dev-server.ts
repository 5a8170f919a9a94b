/**
 * The Vite plugin (peer-plan/vite) as a discovery source: `GET <base>/registry` on the page's own
 * origin answers with the live mesh, and every peer is reached through the plugin's relay on that
 * origin, so the peers need no --allow-origin for the page.
 */
import { devRelayPath } from '../../shared/protocol.js'
import { parseRegistryResponse } from '../../shared/schema.js'
import type { KeyProofs } from './key-proofs.js'
import { getJson, type DiscoverySource, type Reach } from './source.js'

export interface DevServer {
  /** The dev server's origin; default the page's own. */
  origin?: string
  /** Where the plugin serves its routes; default '/api' (the plugin's `base`). */
  base?: string
}

/** Peer URL -> the relay's URL for it on the dev server: `<origin><base>/peer/<port>`. */
export const devRelay = (origin: string, base: string): Reach => {
  const port = (url: string): string => new URL(url).port || '80'
  // The relay calls the peer with Host 127.0.0.1:<port> (vite/relay.ts): what its proof of the key names.
  return Object.assign((url: string) => `${origin}${devRelayPath(base, port(url))}`, { askedAs: (url: string) => `http://127.0.0.1:${port(url)}` })
}

/**
 * The plugin holds no key to prove, so a page with the token asks the peer it names for a proof
 * through the relay (GET <relay>/health?proof=): one more round trip, for token-holding pages only. The
 * proof names http://127.0.0.1:<port>, as the relay asked it (devRelay's askedAs).
 */
export const devServerSource = (origin: string, base: string, timeoutMs: number, proofs: KeyProofs | null = null): DiscoverySource => ({
  via: 'dev-server',
  async find(signal) {
    const url = `${origin}${base}/registry`
    const parsed = parseRegistryResponse(await getJson(url, signal, timeoutMs))
    if (!parsed) throw new Error(`${url}: not a peer-plan registry (is peerPlan() from peer-plan/vite in vite.config's plugins?)`)
    const self = parsed.peers.find((p) => p.id === parsed.self)
    if (!self) throw new Error(`${url}: the answering peer is not in its own list`)
    // Disowned: no peer proved the key for this token, and the page goes on without it (join.ts `tokenless`).
    if (proofs && !proofs.disowned) await proofs.prove(self.url, devRelay(origin, base), timeoutMs, signal)
    return { url: self.url, id: self.id, peers: parsed.peers }
  }
})
