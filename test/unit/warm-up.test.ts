/** The page's warm-up samples are what they say: a full directory entry, and that entry encoded by yjs. */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { directoryMap } from '../../src/shared/directory.js'
import { agentInfoSchema, peerEntrySchema } from '../../src/shared/schema.js'
import { SAMPLE_ENTRY, SAMPLE_UPDATE, warmAnswerCheck, warmDirectoryPath } from '../../src/browser/warm-up.js'
import { checkRegistryResponse } from '../../src/shared/entry-check.js'

describe('warm-up', () => {
  it('warmDirectoryPath applies the sample entry, encoded as yjs encodes it today (re-run and paste the new base64 if this fails)', () => {
    const doc = new Y.Doc()
    doc.clientID = 1
    const entry = SAMPLE_ENTRY
    // Every field, so every kind of content the real directory holds is decoded once.
    expect(peerEntrySchema.parse(entry)).toStrictEqual(entry)
    expect(Object.keys(entry).sort()).toEqual(Object.keys(peerEntrySchema.shape).sort())
    expect(Object.keys(entry.agents![0]!).sort()).toEqual(Object.keys(agentInfoSchema.shape).sort())
    directoryMap(doc).set(entry.id, entry)
    expect(Buffer.from(Y.encodeStateAsUpdate(doc)).toString('base64')).toBe(SAMPLE_UPDATE)
    const read = new Y.Doc()
    Y.applyUpdate(read, Buffer.from(SAMPLE_UPDATE, 'base64'))
    expect(directoryMap(read).toJSON()).toEqual({ [entry.id]: entry })
    expect(() => warmDirectoryPath()).not.toThrow()
  })

  it('warmAnswerCheck checks a valid answer, so every rule runs once', () => {
    expect(checkRegistryResponse({ self: SAMPLE_ENTRY.id, peers: [SAMPLE_ENTRY] })).toStrictEqual({ self: SAMPLE_ENTRY.id, peers: [SAMPLE_ENTRY] })
    expect(() => warmAnswerCheck()).not.toThrow()
  })
})
