/** The few DOM and wording helpers every dashboard section uses. Text goes in as text, never as HTML. */

export const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const e = document.getElementById(id)
  if (!e) throw new Error(`dashboard: #${id} is missing from the page`)
  return e as T
}

type Child = Node | string | null | undefined | false

/** An element with text or children, and attributes (a `class` among them). */
export const el = (tag: string, content: Child | Child[] = null, attrs: Record<string, string> = {}): HTMLElement => {
  const e = document.createElement(tag)
  for (const c of Array.isArray(content) ? content : [content]) if (c !== null && c !== undefined && c !== false) e.append(c)
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v)
  return e
}

/**
 * A value from the mesh (a name, URL, version, room, workspace), isolated for the bidi algorithm: a
 * right-to-left override (U+202E) or an unclosed isolate in it ends with the value, instead of
 * reversing the page's words and the other values after it on the line (a browser test showed a peer
 * name turning "found via registry in 23 ms (http://...)" around). <bdi> also takes its own direction
 * from its first strong character, so a Hebrew name sits well in English text. Text, never HTML.
 */
export const bdi = (value: string): HTMLElement => el('bdi', value)

/** A span of one class: pills, muted notes, chips. */
export const span = (cls: string, content: Child | Child[]): HTMLElement => el('span', content, { class: cls })

/**
 * Makes `parent`'s children equal to `next`, replacing only those that differ: the page redraws every
 * second, and an unchanged row keeps its text selection, focus and hover.
 */
export const patchChildren = (parent: HTMLElement, next: HTMLElement[]): void => {
  const old = [...parent.children]
  next.forEach((n, i) => {
    const o = old[i]
    if (!o) parent.append(n)
    else if (!o.isEqualNode(n)) o.replaceWith(n)
  })
  for (const o of old.slice(next.length)) o.remove()
}

/** A length of time as a person says it: 42s, 3m 5s, 2h 10m, 3d 4h. */
export const duration = (ms: number): string => {
  const s = Math.max(0, Math.floor(ms / 1000))
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`
}

export const ago = (at: number, now = Date.now()): string => `${duration(now - at)} ago`

export const clock = (at: number): string => new Date(at).toLocaleTimeString([], { hour12: false })

export const ms = (n: number): string => (Number.isNaN(n) ? 'not yet' : `${n.toFixed(1)} ms`)
