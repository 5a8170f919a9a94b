/**
 * Code a fresh page runs on a sample while it would otherwise wait on the network, so that the real
 * answer finds it compiled. In a fresh page every function is compiled on its first call.
 *
 * warmAnswerCheck: the /registry answer's check, while the first answer travels (0.5 ms cold for a
 * 10-peer answer, against a few hundredths once compiled; interleaved A/B, 50 fresh pages: registry
 * 7.4 -> 7.0 ms p50).
 *
 * yjs's receive path is not warmed. A one-entry directory sample applied while the first directory
 * socket was in its handshake did so until stop 32, when four interleaved A/Bs of 150 fresh pages
 * each found the live attach 0.1-1.2 ms sooner without it (docs/architecture.md, A browser joining):
 * it held the main thread past the handshake, and the real frame's cold apply cost less than it.
 */
import { checkRegistryResponse } from '../shared/entry-check.js'
import type { PeerEntry } from '../shared/schema.js'

/**
 * A directory entry with every field, an agent among them, so every rule of the check runs. Its URLs
 * are loopback peers', as nearly every real entry's are: those take the URL rule's comparison, not the
 * pattern and the parser (entry-check.ts), which the warm-up would otherwise compile for nothing
 * (standalone bundle, 40 fresh pages each way by turns: the warm-up 0.78-0.82 -> 0.62-0.64 ms, the
 * real 10-peer check after it 0.16-0.20 -> 0.12 ms).
 */
export const SAMPLE_ENTRY: PeerEntry = {
  id: 'warm', name: 'w', url: 'http://127.0.0.1:1', overflowUrl: 'http://127.0.0.1:2', host: 'w', port: 1, pid: 1, pidStart: 0, hostId: 'w',
  version: 'w', protocol: 1, startedAt: 0, rooms: ['w'], storedRooms: ['w'], capabilities: ['w'],
  agents: [{ session: 'w', client: 'w', version: 'w', title: 'w', capabilities: ['w'], ready: true, workspace: 'w', transport: 'stdio', since: 0 }]
}

/** Checks a /registry answer holding SAMPLE_ENTRY and throws the result away. */
export const warmAnswerCheck = (): void => void checkRegistryResponse({ self: SAMPLE_ENTRY.id, peers: [SAMPLE_ENTRY] })
