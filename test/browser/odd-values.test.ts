/**
 * A directory value that is not an entry (a BigInt field, a nested Y.Map: yjs carries both, JSON neither)
 * must cost a page at most that entry. Before, a failover onto or away from such a directory threw while
 * copying it into the page's doc, the failover never settled, and the page stayed `reconnecting` for good.
 * Stand-in peers (test/helpers/stand-in-peer.ts): a real one writes only entries.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { waitFor } from '../../scripts/lib/wait-for.mjs'
import { launchBrowser, join, view } from '../helpers/browser.js'
import { PORTS } from '../helpers/ports.js'
import { standInEntry, standInPeer } from '../helpers/stand-in-peer.js'

const [P] = PORTS.browserOddValues
const [A, B, C] = [standInEntry('aaaaaaaaaaaaaaaa', P), standInEntry('bbbbbbbbbbbbbbbb', P + 1), standInEntry('cccccccccccccccc', P + 2)]

const directory = (fill: (peers: Y.Map<unknown>) => void): Y.Doc => {
  const doc = new Y.Doc()
  fill(doc.getMap('peers'))
  return doc
}

const cases = {
  'the next peer has an entry with a BigInt field': {
    first: (m: Y.Map<unknown>) => [A, B, C].forEach((e) => m.set(e.id, e)),
    next: (m: Y.Map<unknown>) => {
      ;[A, C].forEach((e) => m.set(e.id, e))
      m.set(B.id, { ...B, futureField: 5n })
    }
  },
  'the next peer has a key holding a nested Y.Map': {
    first: (m: Y.Map<unknown>) => [A, B, C].forEach((e) => m.set(e.id, e)),
    next: (m: Y.Map<unknown>) => {
      ;[A, B, C].forEach((e) => m.set(e.id, e))
      const odd = new Y.Map<unknown>()
      m.set('odd', odd)
      odd.set('x', 1)
    }
  },
  'the first peer had an entry with a BigInt field': {
    first: (m: Y.Map<unknown>) => {
      ;[A, B].forEach((e) => m.set(e.id, e))
      m.set(C.id, { ...C, futureField: 5n })
    },
    next: (m: Y.Map<unknown>) => [A, B, C].forEach((e) => m.set(e.id, e))
  }
}

describe('a page failing over between directories that hold values which are not entries', () => {
  for (const [name, fill] of Object.entries(cases)) {
    it(`${name}: the failover settles on it, once`, async () => {
      const browser = await launchBrowser()
      const first = await standInPeer(A.id, P, directory(fill.first))
      await standInPeer(B.id, P + 1, directory(fill.next))
      // The page's origin: outside the joined range, and alive for the whole test.
      await standInPeer('origin', P + 9, new Y.Doc())
      const ctx = await browser.newContext()
      const page = await ctx.newPage()
      const errors: string[] = []
      page.on('pageerror', (err) => errors.push(err.message))
      await page.goto(`http://127.0.0.1:${P + 9}/`)
      await page.addScriptTag({ type: 'module', content: "import * as lib from '/peer-plan.js'; window.peerPlan = lib" })
      await page.waitForFunction(() => (window as any).peerPlan !== undefined)
      const r = await join(page, { ports: [P, P + 3], cache: false })
      expect(r.ok, r.message).toBe(true)
      expect(r.current).toBe(A.id)
      await page.evaluate(() => (window as any).mesh.live)
      await first.close()
      await waitFor(async () => {
        const v = await view(page)
        return v.status === 'connected' && v.current === B.id && v.failovers.length === 1
      }, 'the page to fail over to the second peer and settle there', 10_000)
      const v = await view(page)
      expect(v.peers.sort()).toEqual([A.id, B.id, C.id].sort())
      expect(errors).toEqual([])
    })
  }
})
