/**
 * Every change to the directory is checked where it lands. An entry must parse, sit under its own id,
 * and name a URL in scope (url-scope.ts); anything else is deleted at once, by whichever peer sees it
 * (the deletes agree, so several peers doing it at once is harmless). Only peers that proved the mesh
 * key can write the directory at all (access.ts); this is the second wall, against a peer that is
 * buggy, of another version, or misused.
 */
import type * as Y from 'yjs'
import { directoryMap } from '../shared/directory.js'
import { checkPeerEntry as parsePeerEntry } from '../shared/entry-check.js'
import type { Logger } from './log.js'
import { urlInScope, type Scope } from './url-scope.js'

export interface DirectoryGuardOptions {
  doc: Y.Doc
  selfId: string
  scope: Scope
  log: Logger
}

export const entryProblem = (key: string, value: unknown, scope: Scope): string | null => {
  const entry = parsePeerEntry(value)
  if (!entry) return 'not a peer entry'
  if (entry.id !== key) return `filed under ${key} but names ${entry.id}`
  for (const url of [entry.url, entry.overflowUrl ?? entry.url]) if (!urlInScope(url, scope)) return `url ${url} is outside ${scope} scope`
  return null
}

export class DirectoryGuard {
  private readonly map: Y.Map<unknown>

  constructor(private readonly opts: DirectoryGuardOptions) {
    this.map = directoryMap(opts.doc)
  }

  start(): void {
    this.map.observe(this.onChange)
    this.sweepAll()
  }

  /** Checks every entry: on start, and after a link brings a whole directory. */
  sweepAll(): void {
    this.removeBad([...this.map.keys()])
  }

  private onChange = (event: Y.YMapEvent<unknown>): void => this.removeBad([...event.keysChanged])

  private removeBad(keys: string[]): void {
    const bad: [string, string][] = []
    for (const key of keys) {
      // Our own key is SelfRegistration's to heal, never this guard's to delete.
      if (key === this.opts.selfId || !this.map.has(key)) continue
      const problem = entryProblem(key, this.map.get(key), this.opts.scope)
      if (problem) bad.push([key, problem])
    }
    if (bad.length === 0) return
    for (const [key, problem] of bad) this.opts.log.warn(`directory: removing ${JSON.stringify(key.slice(0, 64))}: ${problem}`)
    // After the transaction that brought them: Yjs runs observers once it has ended.
    queueMicrotask(() => this.opts.doc.transact(() => bad.forEach(([key]) => this.map.delete(key)), this))
  }

  stop(): void {
    this.map.unobserve(this.onChange)
  }
}
