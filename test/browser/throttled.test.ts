/**
 * A page that failed many joins before any peer was up: Chromium then holds back each WebSocket its
 * renderer opens (services/network/websocket_throttler.cc), at last past the 400 ms a head start gives
 * its socket. The head start gives up a socket that has not opened in a quarter of that and fetches
 * the peer instead (browser/discovery/head-start.ts), so the first peer to come up is found. Before,
 * every join of such a page failed with "registry: no answer in 400 ms" until the throttle's window
 * (2-4 minutes) had passed.
 */
import { describe, expect, it } from 'vitest'
import { join, launchBrowser, pageOn } from '../helpers/browser.js'
import { spawnPeer, tempHome } from '../helpers/peers.js'
import { PORTS, range } from '../helpers/ports.js'

const R = PORTS.browserThrottled

describe('a page whose WebSockets Chromium throttles', () => {
  it('finds the first peer to come up on the registry port after many failed joins', async () => {
    const browser = await launchBrowser()
    // The page's origin: a peer of its own range and home, which the mesh under test lets in.
    const host = await spawnPeer({ home: tempHome(), args: ['--ports', range(PORTS.browserThrottledHost)] })
    const { page } = await pageOn(browser, host.url)
    // Nothing on R yet: each join fails, and each failed socket counts against the page's renderer.
    for (let i = 0; i < 8; i++) {
      const r = await join(page, { ports: R, cache: false, timeoutMs: 1500 })
      expect(r.name, r.message).toBe('MeshDiscoveryError')
    }
    const peer = await spawnPeer({ home: tempHome(), args: ['--ports', range(R), '--port', String(R[0]), '--allow-origin', host.url] })
    const r = await join(page, { ports: R, cache: false, timeoutMs: 3000 })
    expect(r.ok, r.message).toBe(true)
    expect(r.via).toBe('registry')
    expect(r.current).toBe(peer.id)
  })
})
