/** The page's warm-up sample is what it says: a full directory entry, so every rule of the check runs. */
import { describe, expect, it } from 'vitest'
import { agentInfoSchema, peerEntrySchema } from '../../src/shared/schema.js'
import { SAMPLE_ENTRY, warmAnswerCheck } from '../../src/browser/warm-up.js'
import { checkRegistryResponse } from '../../src/shared/entry-check.js'

describe('warm-up', () => {
  it('the sample entry has every field of an entry and of an agent, and is valid', () => {
    expect(peerEntrySchema.parse(SAMPLE_ENTRY)).toStrictEqual(SAMPLE_ENTRY)
    expect(Object.keys(SAMPLE_ENTRY).sort()).toEqual(Object.keys(peerEntrySchema.shape).sort())
    expect(Object.keys(SAMPLE_ENTRY.agents![0]!).sort()).toEqual(Object.keys(agentInfoSchema.shape).sort())
  })

  it('warmAnswerCheck checks a valid answer, so every rule runs once', () => {
    expect(checkRegistryResponse({ self: SAMPLE_ENTRY.id, peers: [SAMPLE_ENTRY] })).toStrictEqual({ self: SAMPLE_ENTRY.id, peers: [SAMPLE_ENTRY] })
    expect(() => warmAnswerCheck()).not.toThrow()
  })
})
