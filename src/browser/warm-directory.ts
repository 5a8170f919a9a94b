/**
 * yjs's receive path, run once on a throwaway doc while a fresh page's first directory WebSocket is
 * still in its handshake.
 *
 * The first frame a page reads is the whole directory (a sync step 2), and applying it is the first
 * time the page runs yjs's decoder, its integration of structs and its map events: all compiled on
 * first call. In fresh Chromium pages (10 peers) that frame took ~4 ms to apply cold and ~1.7 ms after
 * a one-entry sample had gone the same way, while the page sat idle through the ~3 ms handshake. The
 * sample costs about what it saves, and only the part that fits the handshake is won: the live attach
 * went 15.2 -> 14.8 ms p50 (interleaved A/B, 40 fresh pages each). The sample is kept encoded: encoding
 * it in the page would compile yjs's writer too, which a reader never runs.
 */
import * as Y from 'yjs'
import { directoryMap } from '../shared/directory.js'
import type { PeerEntry } from '../shared/schema.js'

/** A directory entry with every field, an agent among them, so every kind of content is decoded. */
export const SAMPLE_ENTRY: PeerEntry = {
  id: 'warm', name: 'w', url: 'http://w:1', overflowUrl: 'http://w:2', host: 'w', port: 1, pid: 1, pidStart: 0, hostId: 'w',
  version: 'w', protocol: 1, startedAt: 0, rooms: ['w'], storedRooms: ['w'], capabilities: ['w'],
  agents: [{ session: 'w', client: 'w', version: 'w', title: 'w', capabilities: ['w'], ready: true, workspace: 'w', transport: 'stdio', since: 0 }]
}

/**
 * Y.encodeStateAsUpdate of a directory holding SAMPLE_ENTRY under its id, written by client 1.
 * test/unit/warm-directory.test.ts encodes that afresh and compares.
 */
export const SAMPLE_UPDATE =
  'AQEBACgBBXBlZXJzBHdhcm0BdhACaWR3BHdhcm0EbmFtZXcBdwN1cmx3Cmh0dHA6Ly93OjELb3ZlcmZsb3dVcmx3Cmh0dHA6Ly93OjIEaG9zdHcBdwRwb3J0fQEDcGlkfQEIcGlkU3RhcnR9AAZob3N0SWR3AXcHdmVyc2lvbncBdwhwcm90b2NvbH0BCXN0YXJ0ZWRBdH0ABXJvb21zdQF3AXcLc3RvcmVkUm9vbXN1AXcBdwxjYXBhYmlsaXRpZXN1AXcBdwZhZ2VudHN1AXYJB3Nlc3Npb253AXcGY2xpZW50dwF3B3ZlcnNpb253AXcFdGl0bGV3AXcMY2FwYWJpbGl0aWVzdQF3AXcFcmVhZHl4CXdvcmtzcGFjZXcBdwl0cmFuc3BvcnR3BXN0ZGlvBXNpbmNlfQAA'

/** Applies SAMPLE_UPDATE to a throwaway doc whose directory map is observed, as the page's is. */
export const warmDirectoryPath = (): void => {
  const doc = new Y.Doc()
  directoryMap(doc).observe((event) => event.keysChanged)
  Y.applyUpdate(doc, Uint8Array.from(atob(SAMPLE_UPDATE), (c) => c.charCodeAt(0)))
  doc.destroy()
}
