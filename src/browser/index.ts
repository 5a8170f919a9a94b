/**
 * Browser entry point. joinMesh() arrives with its own issue; until then this exports what a page can
 * already use: the shared wire schema and directory readers.
 */
export * from '../shared/schema.js'
export * from '../shared/protocol.js'
export { readPeers, readPeer, directoryMap } from '../shared/directory.js'
