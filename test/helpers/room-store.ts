/** A RoomStore on a temporary home, with its log lines kept, for the unit tests of the room files. */
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

