/** A room as the room server holds it, and what it knows of each connection (room-server.ts). */
import type * as Y from 'yjs'
import type * as awarenessProtocol from 'y-protocols/awareness'
import type { WebSocket } from 'ws'
import type { AccessClass } from './access.js'
import type { RoomFile } from './room-file.js'
import type { DocBudget } from './room-limits.js'
import type { StepOneAnswers } from './step-one.js'

export interface Room {
  name: string
  doc: Y.Doc
  awareness: awarenessProtocol.Awareness
  /** Each connection with the awareness client ids it controls. */
  conns: Map<WebSocket, Set<number>>
  budget: DocBudget
  /** The remote address that made the room, charged against its room allowance until it is gone. */
  creator: string | null
  /** Breaches already logged for this room: one line each, not one per frame. */
  logged: Set<string>
  /** This peer's files of the room (room-store.ts); null for the directory, or when the disk refused. */
  file: RoomFile | null
  answers: StepOneAnswers
}

export interface ConnMeta {
  /** The dialling peer's id, for directory links from other peers (proved with the mesh key). */
  peerId: string | null
  access: AccessClass
  /** The remote address, for the per-address limits. */
  address: string
}
