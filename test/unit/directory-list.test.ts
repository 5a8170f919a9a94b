/** The page's list of peers: seeded from /registry, then told only what the live doc changes. */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { DirectoryList, type ListChange } from '../../src/browser/directory-list.js'
import { directoryMap } from '../../src/shared/directory.js'
import type { PeerEntry } from '../../src/shared/schema.js'

const entry = (id: string, name = id): PeerEntry => ({
  id, name, url: `http://127.0.0.1:${1000 + id.length}`, host: '127.0.0.1', port: 1000 + id.length, pid: 1, pidStart: null,
  hostId: 'h', version: '1', protocol: 1, startedAt: 1
})

const recorded = () => {
  const changes: ListChange[] = []
  const list = new DirectoryList((c) => changes.push(c))
  return { list, changes }
}

/** Writes `entries` into the list's doc as one update, as a peer's pushed directory arrives. */
const arrive = (list: DirectoryList, entries: PeerEntry[], drop: string[] = []) => {
  const source = new Y.Doc()
  Y.applyUpdate(source, Y.encodeStateAsUpdate(list.doc))
  source.transact(() => {
    for (const e of entries) directoryMap(source).set(e.id, e)
    for (const id of drop) directoryMap(source).delete(id)
  })
  Y.applyUpdate(list.doc, Y.encodeStateAsUpdate(source, Y.encodeStateVector(list.doc)))
}

describe('DirectoryList', () => {
  it('builds no doc until asked for one', () => {
    const { list } = recorded()
    expect(list.seed([entry('bbbb'), entry('aaaa')]).map((p) => p.id)).toEqual(['aaaa', 'bbbb'])
    expect(list['dir']).toBeNull()
    expect(list.listed('aaaa')?.id).toBe('aaaa')
    // Built by newDirectoryDoc: a fixed guid, no uuid drawn in a cold page (shared/directory.ts).
    expect(list.doc.guid).toBe('_directory')
    list.destroy()
  })

  it('the live doc bringing the listed entries tells no change; a changed, new or deleted one is told', () => {
    const { list, changes } = recorded()
    list.seed([entry('aaaa'), entry('bbbb')])
    arrive(list, [entry('aaaa'), entry('bbbb')])
    expect(changes).toEqual([{ peers: [entry('aaaa'), entry('bbbb')], added: [], removed: [], changed: false }])
    arrive(list, [entry('aaaa', 'renamed'), entry('cccc')], ['bbbb'])
    expect(changes[1]).toEqual({ peers: [entry('aaaa', 'renamed'), entry('cccc')], added: [entry('cccc')], removed: [entry('bbbb')], changed: true })
    list.destroy()
  })

  it('a listed peer the synced doc lacks is dropped once, with its removal', () => {
    const { list, changes } = recorded()
    list.seed([entry('aaaa'), entry('bbbb')])
    arrive(list, [entry('aaaa'), entry('cccc')])
    // The doc's change lists what the page has been told: bbbb is still listed, its removal not yet told.
    expect(changes).toEqual([{ peers: [entry('aaaa'), entry('bbbb'), entry('cccc')], added: [entry('cccc')], removed: [], changed: true }])
    expect(list.dropUnlisted()).toEqual({ peers: [entry('aaaa'), entry('cccc')], added: [], removed: [entry('bbbb')], changed: true })
    expect(list.dropUnlisted()).toBeNull()
    list.destroy()
  })

  it('a listed peer the synced doc lacks, with nothing new: dropped once', () => {
    const { list } = recorded()
    list.seed([entry('aaaa'), entry('bbbb')])
    arrive(list, [entry('aaaa')])
    expect(list.dropUnlisted()).toEqual({ peers: [entry('aaaa')], added: [], removed: [entry('bbbb')], changed: true })
    expect(list.dropUnlisted()).toBeNull()
    list.destroy()
  })

  it('a doc asked for after destroy() is a destroyed one, observed by nothing', () => {
    const { list, changes } = recorded()
    list.destroy()
    expect(list.doc.isDestroyed).toBe(true)
    expect(changes).toEqual([])
  })
})
