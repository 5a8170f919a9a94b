/**
 * A room's doc shown as it is: rooms are defined by their apps, so every top-level shared type is shown,
 * a Y.Text as text, a Y.Map or Y.Array as JSON, XML as markup. A type this page never declared arrives
 * as a bare AbstractType; it is read as the kind its first live item says. Reading never writes.
 */
import * as Y from 'yjs'
import { bdi, el, span } from './dom.js'

/** Characters shown per shared type; a room may hold up to 32 MiB. */
const MAX_SHOWN = 64 * 1024

type Shown = Y.Text | Y.Map<unknown> | Y.Array<unknown> | Y.XmlFragment

/** Doc.get() turns a bare AbstractType into the named kind in place; it makes no update. */
const asKnownType = (doc: Y.Doc, name: string, type: Y.AbstractType<Y.YEvent<any>>): Shown | null => {
  if (type instanceof Y.Text || type instanceof Y.Map || type instanceof Y.Array || type instanceof Y.XmlFragment) return type
  let item = type._start
  while (item && item.deleted) item = item.right
  if (!item) return type._map.size > 0 ? doc.getMap(name) : null
  const c = item.content
  if (c instanceof Y.ContentString || c instanceof Y.ContentFormat || c instanceof Y.ContentEmbed) return doc.getText(name)
  if (c instanceof Y.ContentType && (c.type instanceof Y.XmlElement || c.type instanceof Y.XmlText)) return doc.getXmlFragment(name)
  return doc.getArray(name)
}

const kindOf = (t: Shown): string => (t instanceof Y.Text ? 'Y.Text' : t instanceof Y.Map ? 'Y.Map' : t instanceof Y.Array ? 'Y.Array' : 'Y.XmlFragment')

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`

const sizeOf = (t: Shown): string => (t instanceof Y.Text ? count(t.length, 'char') : t instanceof Y.Map ? count(t.size, 'key') : count(t.length, 'item'))

/**
 * A map or array as plain data. Not Y.Map's toJSON(): it fills a `{}`, where a key `__proto__` sets the
 * object's prototype instead of adding a key, so the page showed such a key nowhere (while the size said
 * it was there). A null-prototype object takes it as an ordinary key.
 */
const plain = (v: unknown): unknown => {
  if (v instanceof Y.Map) {
    const out: Record<string, unknown> = Object.create(null)
    for (const [k, x] of v.entries()) out[k] = plain(x)
    return out
  }
  if (v instanceof Y.Array) return v.toArray().map(plain)
  return v instanceof Y.AbstractType ? v.toJSON() : v
}

const textOf = (t: Shown): string => {
  if (t instanceof Y.Text || t instanceof Y.XmlFragment) return t.toString()
  return JSON.stringify(plain(t), null, 2)
}

const clip = (s: string): string => (s.length <= MAX_SHOWN ? s : `${s.slice(0, MAX_SHOWN)}\n… ${s.length - MAX_SHOWN} more characters`)

export interface SharedTypeView {
  name: string
  kind: string
  size: string
  text: string
}

/** Every non-empty top-level type of `doc`, by name. */
export const sharedTypes = (doc: Y.Doc): SharedTypeView[] => {
  const out: SharedTypeView[] = []
  for (const [name, raw] of [...doc.share.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const t = asKnownType(doc, name, raw)
    if (t) out.push({ name, kind: kindOf(t), size: sizeOf(t), text: clip(textOf(t)) })
  }
  return out
}

/** The blocks for `doc`: one per shared type, a header (name, kind, size) over its content. */
export const renderDoc = (doc: Y.Doc): HTMLElement[] => {
  const types = sharedTypes(doc)
  if (!types.length) return [el('p', 'empty: nothing written to this room yet', { class: 'muted' })]
  return types.map((t) =>
    el('section', [el('header', [el('b', bdi(t.name)), span('chip', t.kind), span('muted', t.size)]), el('pre', t.text)], { class: 'shared-type', 'data-type': t.name, 'data-kind': t.kind })
  )
}
