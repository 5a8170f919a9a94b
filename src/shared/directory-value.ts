/**
 * A directory value as the page's mirror and a peer's stranger projection compare and copy it. A
 * value may be anything yjs carries, which is more than JSON: compared as JSON, a BigInt (which
 * JSON.stringify throws on) is written as its digits and an `n`, a nested Y type as its toJSON(); and
 * copied into another doc, a Y type (which belongs to its own doc) goes over as its JSON. A throw in
 * either would reach the update that brought the value: a page's failover, a peer's link.
 */
import * as Y from 'yjs'

/** JSON with object keys sorted, so two encodings of one value compare equal. */
export const canonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'bigint' ? `${v}n` : v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v
  )

/** A value of one doc as another doc can hold it. */
export const portable = (value: unknown): unknown => (value instanceof Y.AbstractType ? value.toJSON() : value)
