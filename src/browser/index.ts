/** peer-plan/browser: find the local mesh from a web page. Never imports Node built-ins or src/node. */
export { joinMesh, type JoinOptions } from './join.js'
export { Mesh, type MeshEvents, type MeshStatus, type MeshTimings, type OpenOptions, type RoomHandle, type StatusEvent } from './mesh.js'
export { MeshDiscoveryError, type Attempt } from './discovery/race.js'
export type { DiscoverySource, Found, Via } from './discovery/source.js'
export * from '../shared/schema.js'
export * from '../shared/protocol.js'
export { readPeers, readPeer, directoryMap } from '../shared/directory.js'
