/**
 * Code a fresh page runs on samples while it would otherwise wait on the network, so that the real
 * answer finds it compiled. In a fresh page every function is compiled on its first call, and a join
 * waits twice: for its first answer, and for its directory socket's handshake.
 *
 * - warmAnswerCheck: the /registry answer's check, while the first answer travels (0.5 ms cold for a
 *   10-peer answer, against a few hundredths once compiled; interleaved A/B, 50 fresh pages: registry
 *   7.4 -> 7.0 ms p50).
 * - warmDirectoryPath: yjs's receive path, while the first directory socket is in its handshake. The
 *   first frame a page reads is the whole directory (a sync step 2): ~4 ms to apply cold, ~2 ms
 *   after a one-entry sample went the same way. The sample costs about what it saves, and only the part
 *   that fits the ~3 ms handshake is won: the live attach went 15.2 -> 14.8 ms p50 (A/B, 40 pages) when
 *   it came in, and a later A/B found it neutral (17.8 ms without, 18.0 with; docs/architecture.md). It
 *   is kept encoded: encoding it in the page would compile yjs's writer too, which a reader never runs.
 */
import * as Y from 'yjs'
import { directoryMap, newDirectoryDoc } from '../shared/directory.js'
import { checkRegistryResponse } from '../shared/entry-check.js'
import type { PeerEntry } from '../shared/schema.js'

/** A directory entry with every field, an agent among them, so every kind of content is decoded. */
export const SAMPLE_ENTRY: PeerEntry = {
  id: 'warm', name: 'w', url: 'http://w:1', overflowUrl: 'http://w:2', host: 'w', port: 1, pid: 1, pidStart: 0, hostId: 'w',
  version: 'w', protocol: 1, startedAt: 0, rooms: ['w'], storedRooms: ['w'], capabilities: ['w'],
  agents: [{ session: 'w', client: 'w', version: 'w', title: 'w', capabilities: ['w'], ready: true, workspace: 'w', transport: 'stdio', since: 0 }]
}

/**
 * Y.encodeStateAsUpdate of a directory holding SAMPLE_ENTRY under its id, written by client 1.
 * test/unit/warm-up.test.ts encodes that afresh and compares.
 */
export const SAMPLE_UPDATE =
  'AQEBACgBBXBlZXJzBHdhcm0BdhACaWR3BHdhcm0EbmFtZXcBdwN1cmx3Cmh0dHA6Ly93OjELb3ZlcmZsb3dVcmx3Cmh0dHA6Ly93OjIEaG9zdHcBdwRwb3J0fQEDcGlkfQEIcGlkU3RhcnR9AAZob3N0SWR3AXcHdmVyc2lvbncBdwhwcm90b2NvbH0BCXN0YXJ0ZWRBdH0ABXJvb21zdQF3AXcLc3RvcmVkUm9vbXN1AXcBdwxjYXBhYmlsaXRpZXN1AXcBdwZhZ2VudHN1AXYJB3Nlc3Npb253AXcGY2xpZW50dwF3B3ZlcnNpb253AXcFdGl0bGV3AXcMY2FwYWJpbGl0aWVzdQF3AXcFcmVhZHl4CXdvcmtzcGFjZXcBdwl0cmFuc3BvcnR3BXN0ZGlvBXNpbmNlfQAA'

/** Checks a /registry answer holding SAMPLE_ENTRY and throws the result away. */
export const warmAnswerCheck = (): void => void checkRegistryResponse({ self: SAMPLE_ENTRY.id, peers: [SAMPLE_ENTRY] })

/** Applies SAMPLE_UPDATE to a throwaway doc whose directory map is observed, as the page's is. */
export const warmDirectoryPath = (): void => {
  const doc = newDirectoryDoc()
  directoryMap(doc).observe((event) => event.keysChanged)
  Y.applyUpdate(doc, Uint8Array.from(atob(SAMPLE_UPDATE), (c) => c.charCodeAt(0)))
  doc.destroy()
}
