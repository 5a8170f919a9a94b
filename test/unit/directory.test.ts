import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { directoryMap, DirectoryView, newDirectoryDoc, readPeers } from '../../src/shared/directory.js'

const entry = (id: string) => ({ id, name: id, url: 'http://127.0.0.1:1234', host: '127.0.0.1', port: 1234, pid: 1, pidStart: null, hostId: 'h', version: '1', protocol: 1, startedAt: 0 })

describe('the directory doc', () => {
  it('lists valid entries sorted by id, skipping bad ones and ones under the wrong key', () => {
    const doc = new Y.Doc()
    const map = directoryMap(doc)
    map.set('bbbb', entry('bbbb'))
    map.set('aaaa', entry('aaaa'))
    map.set('cccc', { id: 'cccc', evil: true })
    map.set('dddd', entry('eeee'))
    expect(readPeers(doc).map((p) => p.id)).toEqual(['aaaa', 'bbbb'])
  })

  it('an entry that arrives over the wire is validated', () => {
    const doc = new Y.Doc()
    const view = new DirectoryView(doc)
    directoryMap(doc).set('aaaa', entry('aaaa'))
    const remote = new Y.Doc()
    directoryMap(remote).set('bbbb', { id: 'bbbb', evil: true })
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(remote))
    expect(view.get('bbbb')).toBeNull()
    expect(view.peers().map((p) => p.id)).toEqual(['aaaa'])
    view.destroy()
  })

  it('a view caches the list until the map changes', () => {
    const doc = new Y.Doc()
    const view = new DirectoryView(doc)
    directoryMap(doc).set('aaaa', entry('aaaa'))
    const first = view.peers()
    expect(view.peers()).toBe(first)
    directoryMap(doc).set('bbbb', entry('bbbb'))
    expect(view.peers().map((p) => p.id)).toEqual(['aaaa', 'bbbb'])
    directoryMap(doc).delete('aaaa')
    expect(view.peers().map((p) => p.id)).toEqual(['bbbb'])
    view.destroy()
  })

  it('a view follows every kind of change, key by key, and agrees with readPeers', () => {
    const doc = new Y.Doc()
    directoryMap(doc).set('aaaa', entry('aaaa'))
    const view = new DirectoryView(doc)
    const map = directoryMap(doc)
    expect(view.has('aaaa')).toBe(true)
    doc.transact(() => {
      map.set('bbbb', entry('bbbb'))
      map.set('cccc', entry('cccc'))
    })
    map.set('aaaa', { id: 'aaaa', evil: true })
    map.set('cccc', entry('zzzz'))
    expect(view.peers().map((p) => p.id)).toEqual(['bbbb'])
    expect([view.has('aaaa'), view.has('bbbb'), view.has('cccc')]).toEqual([false, true, false])
    map.set('aaaa', entry('aaaa'))
    // A remote update applied as one transaction, as a link delivers it.
    const other = new Y.Doc()
    Y.applyUpdate(other, Y.encodeStateAsUpdate(doc))
    directoryMap(other).set('dddd', entry('dddd'))
    directoryMap(other).delete('bbbb')
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(other))
    expect(view.peers()).toEqual(readPeers(doc))
    expect(view.peers().map((p) => p.id)).toEqual(['aaaa', 'dddd'])
    view.destroy()
  })

  it('a page\'s directory docs share a fixed guid, not a drawn one, and still sync and get their own client ids', () => {
    const a = newDirectoryDoc()
    const b = newDirectoryDoc()
    expect(a.guid).toBe('_directory')
    expect(b.guid).toBe(a.guid)
    expect(b.clientID).not.toBe(a.clientID)
    const peer = new Y.Doc()
    directoryMap(peer).set('aaaa', entry('aaaa'))
    Y.applyUpdate(a, Y.encodeStateAsUpdate(peer))
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a))
    expect(readPeers(b).map((p) => p.id)).toEqual(['aaaa'])
    for (const d of [a, b, peer]) d.destroy()
  })
})
