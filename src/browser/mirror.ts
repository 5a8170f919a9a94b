/**
 * Keeping the page's directory doc equal to the wire doc of whichever peer it follows, touching only the
 * keys that differ: a key whose entry is the same (whatever the order of its fields, and whatever fields
 * this page's schema does not know) is left alone, so it fires no event. That is what lets the list
 * from /registry stand in the doc before the live directory arrives: the live doc then changes only
 * what changed meanwhile.
 */
import type * as Y from 'yjs'
import { parsePeerEntry } from '../shared/schema.js'

/** JSON with object keys sorted, so two encodings of one value compare equal. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v
  )

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
      if (!to.has(key) || !same(to.get(key), value)) to.set(key, value)
    })
  })
}

/** Writes entries (a /registry answer) into `to`, keyed by id, in one transaction. */
export const seedMap = (entries: readonly { id: string }[], to: Y.Map<unknown>): void => {
  to.doc!.transact(() => {
    for (const e of entries) if (!to.has(e.id)) to.set(e.id, e)
  })
}
