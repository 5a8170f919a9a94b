/** The page's yjs warm-up sample is what it says: shared/entry-check's sample entry, encoded by yjs. */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { directoryMap } from '../../src/shared/directory.js'
import { SAMPLE_ANSWER } from '../../src/shared/entry-check.js'
import { SAMPLE_UPDATE, warmDirectoryPath } from '../../src/browser/warm-directory.js'

describe('warmDirectoryPath', () => {
  it('applies the sample entry, encoded as yjs encodes it today (re-run and paste the new base64 if this fails)', () => {
    const doc = new Y.Doc()
    doc.clientID = 1
    const [entry] = SAMPLE_ANSWER.peers
    directoryMap(doc).set(entry!.id, entry)
    expect(Buffer.from(Y.encodeStateAsUpdate(doc)).toString('base64')).toBe(SAMPLE_UPDATE)
    const read = new Y.Doc()
    Y.applyUpdate(read, Buffer.from(SAMPLE_UPDATE, 'base64'))
    expect(directoryMap(read).toJSON()).toEqual({ [entry!.id]: entry })
    expect(() => warmDirectoryPath()).not.toThrow()
  })
})
