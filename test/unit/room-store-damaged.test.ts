/** A dead process's damaged room file: what it held past the damage is read back, and the file is still set aside (room-store.ts). */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename } from 'node:path'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { encodeFrame } from '../../src/node/room-log.js'
import { tempDir } from '../helpers/temp.js'
import { deadFile, roomDir, storeOf, text, updatesOf } from '../helpers/room-store.js'

describe('RoomStore, a damaged file of a dead process', () => {
  it('reads the whole frames after a damaged middle one, holds those that wait on it, and still sets the file aside', async () => {
    const home = tempDir()
    const dir = roomDir(home, 'mended')
    // One writer's `two;` is damaged; `five;` comes after it from the same writer, so it depends on it.
    const [one, two, five] = updatesOf('one;', 'two;', 'five;')
    // Another writer's edits, which depend on nothing the damaged frame held.
    const [three, four] = updatesOf('three;', 'four;')
    const log = Buffer.concat([one!, two!, three!, four!, five!].map((u) => encodeFrame(u)))
    log[encodeFrame(one!).length + 9]! ^= 0xff
    const path = deadFile(dir, '1111111111111111', 'log')
    writeFileSync(path, log, { mode: 0o600 })

    const { store, lines } = storeOf(home, 'aaaaaaaaaaaaaaaa')
    const doc = new Y.Doc()
    const file = store.attach('mended', doc)!
    const held = text(doc)
    expect(['one;', 'two;', 'three;', 'four;', 'five;'].map((s) => held.includes(s))).toEqual([true, false, true, true, false])
    await file.idle()
    // Set aside as it was, never deleted, and the warning names the stretch skipped.
    expect(readdirSync(dir).filter((n) => !n.startsWith('aaaaaaaaaaaaaaaa'))).toEqual([basename(path) + '.damaged'])
    expect(readFileSync(path + '.damaged')).toEqual(log)
    const warned = lines.filter((l) => l.startsWith('warn: ') && l.includes(basename(path)))
    expect(warned).toHaveLength(1)
    expect(warned[0]).toMatch(new RegExp(`a damaged frame at byte ${encodeFrame(one!).length} \\(${encodeFrame(two!).length} bytes skipped\\)`))
    expect(warned[0]).toMatch(/\.damaged once this peer's snapshot holds what was read/)
    await file.close()

    // `five;` waits in this peer's snapshot for `two;`, which another peer may still hold: it is not lost.
    const back = new Y.Doc()
    await storeOf(home, 'bbbbbbbbbbbbbbbb').store.attach('mended', back)!.close()
    expect(text(back)).toBe(held)
    const synced = new Y.Doc()
    Y.applyUpdate(synced, Y.encodeStateAsUpdate(back))
    Y.applyUpdate(synced, two!)
    expect(['one;two;five;', 'three;four;'].every((s) => text(synced).includes(s))).toBe(true)
  })
})
