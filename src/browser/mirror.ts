/**
 * Keeping the page's directory doc equal to the wire doc of whichever peer it follows, touching only the
 * keys that differ: a key whose entry is the same (whatever the order of its fields, and whatever fields
 * this page's schema does not know) is left alone, so it fires no event. After a failover the new
 * peer's directory then changes only what differs from the old one's.
 */
import type * as Y from 'yjs'
import { canonicalJson as canonical, portable } from '../shared/directory-value.js'
import { parsePeerEntry } from '../shared/schema.js'

/**
 * Two directory values the page shows the same: as parsed entries where they parse, else as raw JSON.
 * Equal JSON is the common case (the /registry answer and the live doc hold the same entry), and it
 * spares a cold page two schema parses per key.
 */
const same = (a: unknown, b: unknown): boolean =>
  canonical(a) === canonical(b) || canonical(parsePeerEntry(a) ?? a) === canonical(parsePeerEntry(b) ?? b)

/** Makes `to` hold exactly what `from` holds, in one transaction, touching only the keys that differ. */
export const mirrorMap = (from: Y.Map<unknown>, to: Y.Map<unknown>): void => {
  to.doc!.transact(() => {
    for (const key of [...to.keys()]) if (!from.has(key)) to.delete(key)
    from.forEach((value, key) => {
      if (!to.has(key) || !same(to.get(key), value)) to.set(key, portable(value))
    })
  })
}
