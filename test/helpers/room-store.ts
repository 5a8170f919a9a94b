/** A RoomStore on a temporary home, with its log lines kept, for the unit tests of the room files. */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import * as Y from 'yjs'
import { RoomStore } from '../../src/node/room-store.js'
import { selfIdentity } from '../../src/node/process-identity.js'
import { tempDir } from './temp.js'

export const quiet = () => {
  const lines: string[] = []
  const at = (l: string) => (m: string) => void lines.push(`${l}: ${m}`)
  return { log: { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') }, lines }
}

export const storeOf = (home: string, peerId: string, self = selfIdentity(), compactBytes?: number) => {
  const q = quiet()
  return { store: new RoomStore({ home, peerId, self, log: q.log, compactBytes }), lines: q.lines }
}

export const text = (doc: Y.Doc) => doc.getText('content').toString()
/** The room's text as a fresh doc loads it from the store's files. */
export const reopened = (store: RoomStore, room: string) => {
  const doc = new Y.Doc()
  store.attach(room, doc)
  return text(doc)
}
/** `room` attached to a fresh doc by a store of a fresh home. */
export const openedIn = (room: string) => {
  const home = tempDir()
  const { store } = storeOf(home, 'aaaaaaaaaaaaaaaa')
  const doc = new Y.Doc()
  return { home, store, doc, file: store.attach(room, doc)! }
}
export const append = (doc: Y.Doc, s: string) => doc.getText('content').insert(doc.getText('content').length, s)

/** A pid that is not running (pid_max on Linux is at most 2^22). */
export const DEAD = { pid: 4_194_400, pidStart: 1 }
/** The path of a file of peer `id`, a process that is gone, in `dir`. */
export const deadFile = (dir: string, id: string, ext: string) => join(dir, `${id}-${DEAD.pid}-${DEAD.pidStart}.${ext}`)
/** A room's directory, made as a peer makes it. */
export const roomDir = (home: string, room: string) => {
  const dir = join(home, 'rooms', room)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  return dir
}
/** The updates a doc emits for each of `parts` appended in turn. */
export const updatesOf = (...parts: string[]) => {
  const src = new Y.Doc()
  const out: Uint8Array[] = []
  src.on('update', (u: Uint8Array) => out.push(u))
  for (const p of parts) append(src, p)
  return out
}
