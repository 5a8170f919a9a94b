/**
 * The package's Node entry (`peer-plan/node`). Its declarations name no Node types (checked by
 * test/package.test.ts with no @types/node): startPeer is re-typed with the public PeerHandle.
 */
import type { PeerConfig } from './config.js'
import type { PeerHandle, PeerOptions } from './peer-api.js'
import { startPeer as start } from './peer.js'

export const startPeer: (config: PeerConfig, opts?: PeerOptions) => Promise<PeerHandle> = start
export type { PeerHandle as Peer, PeerOptions }
export { VERSION } from './version.js'
export { resolveConfig, ConfigError, type PeerConfig } from './config.js'
export { RegistryFile } from './registry-file.js'
export { dialTargets, fingers } from './topology.js'
export * from '../shared/schema.js'
export * from '../shared/protocol.js'
