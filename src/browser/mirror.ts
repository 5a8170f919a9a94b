/**
 * Keeping the page's directory doc equal to the wire doc of whichever peer it follows, touching only the
 * keys that differ: a key whose entry is the same (whatever the order of its fields, and whatever fields
 * this page's schema does not know) is left alone, so it fires no event. After a failover the new
 * peer's directory then changes only what differs from the old one's.
 */
import * as Y from 'yjs'
import { parsePeerEntry } from '../shared/schema.js'

/**
 * JSON with object keys sorted, so two encodings of one value compare equal. A directory value may be
 * anything yjs can carry, which is more than JSON: a BigInt is written as its digits and an `n`
 * (JSON.stringify would throw), a nested Y type as its toJSON().
 */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'bigint' ? `${v}n` : v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v
  )

/** A value of one doc as another doc can hold it: a Y type belongs to its own doc, so it goes over as JSON. */
const portable = (value: unknown): unknown => (value instanceof Y.AbstractType ? value.toJSON() : value)

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
