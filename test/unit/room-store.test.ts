/** The room store: per-peer append-only logs and snapshots under a shared home (room-store.ts). */
import { appendFileSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { MAX_DAMAGED } from '../../src/node/room-damaged.js'
import { encodeFrame } from '../../src/node/room-log.js'
import { RoomStore } from '../../src/node/room-store.js'
import { selfIdentity } from '../../src/node/process-identity.js'
import { tempDir } from '../helpers/temp.js'
import { append, DEAD, deadFile, openedIn, reopened, roomDir, storeOf, text, updatesOf } from '../helpers/room-store.js'

describe('RoomStore', () => {
  it('keeps a room across close and reopen, in 0600 files in a 0700 directory', async () => {
    const home = tempDir()
    const { store } = storeOf(home, 'aaaaaaaaaaaaaaaa')
    const doc = new Y.Doc()
    const file = store.attach('notes', doc)!
    append(doc, 'one;')
    append(doc, 'two;')
    await file.close()
    const dir = join(home, 'rooms', 'notes')
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    for (const f of readdirSync(dir)) expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600)
    expect(reopened(store, 'notes')).toBe('one;two;')
    expect(store.stored()).toEqual(['notes'])
  })

  it('a room only read leaves nothing on disk; one another peer removed as empty is made again for a write', async () => {
    const home = tempDir()
    const a = storeOf(home, 'aaaaaaaaaaaaaaaa').store
    const b = storeOf(home, 'bbbbbbbbbbbbbbbb').store
    const looked = a.attach('looked-at', new Y.Doc())!
    await looked.close()
    expect(a.stored()).toEqual([])
    // b loads the room while it is empty; a, which only read it too, removes the empty directory; b then writes.
    const docB = new Y.Doc()
    const fileB = b.attach('shared', docB)!
    await a.attach('shared', new Y.Doc())!.close()
    expect(readdirSync(join(home, 'rooms'))).toEqual([])
    append(docB, 'kept')
    await fileB.close()
    expect(reopened(a, 'shared')).toBe('kept')
    expect(a.stored()).toEqual(['shared'])
  })

  it("a write lands even if the room's empty directory was removed after the load (another peer let it go)", async () => {
    const home = tempDir()
    const { store } = storeOf(home, 'aaaaaaaaaaaaaaaa')
    const doc = new Y.Doc()
    const file = store.attach('raced', doc)!
    rmdirSync(join(home, 'rooms', 'raced'))
    append(doc, 'kept')
    await file.close()
    expect(reopened(store, 'raced')).toBe('kept')
  })

  it('closing never rejects, even when the doc cannot be encoded (a bad update left pending)', async () => {
    const home = tempDir()
    const { store, lines } = storeOf(home, 'aaaaaaaaaaaaaaaa')
    const doc = new Y.Doc()
    const file = store.attach('odd', doc)!
    append(doc, 'x')
    await file.idle()
    // What yjs keeps of an update whose dependencies never came, damaged: encoding the doc throws.
    doc.store.pendingStructs = { missing: new Map(), update: Uint8Array.from([1, 1, 5, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 4]) }
    expect(() => Y.encodeStateAsUpdate(doc)).toThrow(/Integer out of Range/)
    await expect(file.close()).resolves.toBeUndefined()
    expect(lines.join('\n')).toMatch(/room odd: final write failed: Integer out of Range/)
  })

  it('compacts: the disk follows the doc, not the number of edits', async () => {
    const home = tempDir()
    const { store } = storeOf(home, 'aaaaaaaaaaaaaaaa', selfIdentity(), 4096)
    const doc = new Y.Doc()
    const file = store.attach('busy', doc)!
    const t = doc.getText('content')
    for (let i = 0; i < 3000; i++) {
      t.insert(0, 'x'.repeat(20))
      t.delete(0, 20)
      if (i % 100 === 0) await file.idle()
    }
    await file.idle()
    const dir = join(home, 'rooms', 'busy')
    const total = readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0)
    // 3000 edits of 20 characters wrote ~60 KB of updates; the doc itself is a few hundred bytes.
    expect(total).toBeLessThan(2 * 4096 + 2 * Y.encodeStateAsUpdate(doc).length + 1024)
    await file.close()
    expect(reopened(store, 'busy')).toBe('')
  })

  it('merges the files of several peers sharing a home, and drops a dead process\'s once they are held', async () => {
    const home = tempDir()
    const a = storeOf(home, 'aaaaaaaaaaaaaaaa').store
    const dead = storeOf(home, 'bbbbbbbbbbbbbbbb', DEAD).store
    const da = new Y.Doc()
    const db = new Y.Doc()
    const fa = a.attach('shared', da)!
    const fb = dead.attach('shared', db)!
    append(da, 'from-a;')
    append(db, 'from-b;')
    await Promise.all([fa.idle(), fb.idle()])
    const dir = join(home, 'rooms', 'shared')
    expect(readdirSync(dir).some((f) => f.startsWith('bbbbbbbbbbbbbbbb'))).toBe(true)
    const c = storeOf(home, 'cccccccccccccccc').store
    const dc = new Y.Doc()
    const fc = c.attach('shared', dc)!
    expect(text(dc)).toContain('from-a;')
    expect(text(dc)).toContain('from-b;')
    await fc.idle()
    // The dead peer's files are gone, the live peer's stay; what they held is in c's snapshot.
    const names = readdirSync(dir)
    expect(names.some((f) => f.startsWith('bbbbbbbbbbbbbbbb'))).toBe(false)
    expect(names.some((f) => f.startsWith('aaaaaaaaaaaaaaaa'))).toBe(true)
    await Promise.all([fa.close(), fc.close()])
    const d = new Y.Doc()
    const fd = storeOf(home, 'dddddddddddddddd').store.attach('shared', d)!
    expect(text(d)).toContain('from-b;')
    // Its log is still open: a handle left to the garbage collector is a warning.
    await Promise.all([fb.close(), fd.close()])
  })

  it('reads a log up to a torn tail (a SIGKILL mid-write) and says a damaged frame out loud', async () => {
    const home = tempDir()
    const dir = join(home, 'rooms', 'torn')
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    const src = new Y.Doc()
    const updates: Uint8Array[] = []
    src.on('update', (u: Uint8Array) => updates.push(u))
    append(src, 'kept;')
    append(src, 'lost;')
    const log = join(dir, `eeeeeeeeeeeeeeee-${DEAD.pid}-${DEAD.pidStart}.log`)
    writeFileSync(log, encodeFrame(updates[0]!), { mode: 0o600 })
    appendFileSync(log, encodeFrame(updates[1]!).subarray(0, 10))
    const { store, lines } = storeOf(home, 'aaaaaaaaaaaaaaaa')
    const doc = new Y.Doc()
    // Closed at the end: each file goes on writing (its snapshot, the dead files' removal) after attach,
    // and the temp dir's removal once met those writes half done (ENOTEMPTY).
    const first = store.attach('torn', doc)!
    expect(text(doc)).toBe('kept;')
    expect(lines.filter((l) => l.startsWith('warn'))).toEqual([])

    const bad = encodeFrame(updates[1]!)
    bad[bad.length - 1]! ^= 0xff
    writeFileSync(join(dir, `ffffffffffffffff-${DEAD.pid}-${DEAD.pidStart}.log`), bad, { mode: 0o600 })
    const second = storeOf(home, 'cccccccccccccccc')
    const doc2 = new Y.Doc()
    const other = second.store.attach('torn', doc2)!
    expect(text(doc2)).toContain('kept;')
    expect(second.lines.some((l) => l.startsWith('warn') && l.includes('damaged frame'))).toBe(true)
    await Promise.all([first.close(), other.close()])
  })

  it('a room let go and opened again at once loses nothing: the new file waits for the old one to close', async () => {
    for (let round = 0; round < 5; round++) {
      const { home, store, doc: first, file: before } = openedIn('again')
      append(first, 'one;')
      await before.idle()
      // Taken by the doc, its write still under way when the room is let go (room-server.ts release()).
      append(first, 'two;')
      const closing = before.close()
      first.destroy()
      const second = new Y.Doc()
      const after = store.attach('again', second)!
      expect(text(second)).toBe('one;two;')
      append(second, 'three;')
      await after.idle()
      await closing
      // Only what is on disk counts: a SIGKILL now keeps exactly this.
      expect(reopened(storeOf(home, 'bbbbbbbbbbbbbbbb').store, 'again')).toBe('one;two;three;')
      await after.close()
      expect(reopened(storeOf(home, 'bbbbbbbbbbbbbbbb').store, 'again')).toBe('one;two;three;')
    }
  })

  it('closeAll waits for a close already under way (a room let go just before the peer exits)', async () => {
    const { home, store, doc, file } = openedIn('leaving')
    append(doc, 'last;')
    void file.close()
    doc.destroy()
    await store.closeAll()
    expect(reopened(storeOf(home, 'bbbbbbbbbbbbbbbb').store, 'leaving')).toBe('last;')
  })

  it('says out loud, with the bytes dropped, a snapshot not read whole and a log frame whose length is damaged', async () => {
    const home = tempDir()
    const dir = roomDir(home, 'hurt')
    const [one, two, three] = updatesOf('one;', 'two;', 'three;')
    const torn = encodeFrame(Y.mergeUpdates([one!, two!]))
    writeFileSync(deadFile(dir, '1111111111111111', 'snap'), torn.subarray(0, torn.length - 3), { mode: 0o600 })
    const huge = encodeFrame(one!)
    huge.writeUInt32LE(0xffffffff, 0)
    writeFileSync(deadFile(dir, '2222222222222222', 'snap'), huge, { mode: 0o600 })
    const log = Buffer.concat([one!, two!, three!].map((u) => encodeFrame(u)))
    log.writeUInt32LE(0x7fffffff, encodeFrame(one!).length)
    writeFileSync(deadFile(dir, '3333333333333333', 'log'), log, { mode: 0o600 })
    const { store, lines } = storeOf(home, 'aaaaaaaaaaaaaaaa')
    const doc = new Y.Doc()
    const file = store.attach('hurt', doc)!
    expect(text(doc)).toBe('one;')
    await file.close()
    const warned = lines.filter((l) => l.startsWith('warn: '))
    expect(warned.find((l) => l.includes('1111111111111111'))).toMatch(/torn last frame at byte 0 \(\d+ of \d+ bytes dropped\)/)
    expect(warned.find((l) => l.includes('2222222222222222'))).toMatch(/length \(4294967295 bytes\) is over any a peer writes/)
    // The frame after the damaged one is read too (it waits, pending, for `two;`: the same writer's).
    const [at, skipped] = [encodeFrame(one!).length, encodeFrame(two!).length]
    expect(warned.find((l) => l.includes('3333333333333333'))).toMatch(new RegExp(`at byte ${at} \\(${skipped} bytes skipped\\) \\(${skipped} of ${log.length} bytes dropped; 2 whole frames read\\)`))
  })

  it("a dead process's file refused or read in part is set aside as .damaged, never deleted, and never read again", async () => {
    const home = tempDir()
    const dir = roomDir(home, 'kept')
    const [one, two] = updatesOf('one;', 'two;')
    // Another writer's: it does not depend on `two`, which only the damaged frame held.
    const [three] = updatesOf('three;')
    const damaged = Buffer.concat([one!, two!, three!].map((u) => encodeFrame(u)))
    damaged[encodeFrame(one!).length + 9]! ^= 0xff
    writeFileSync(deadFile(dir, '1111111111111111', 'log'), damaged, { mode: 0o600 })
    symlinkSync(tempDir(), deadFile(dir, '2222222222222222', 'snap'))
    writeFileSync(deadFile(dir, '3333333333333333', 'log'), encodeFrame(three!), { mode: 0o600 })
    const torn = encodeFrame(two!)
    writeFileSync(deadFile(dir, '4444444444444444', 'log'), Buffer.concat([encodeFrame(one!), torn.subarray(0, torn.length - 2)]), { mode: 0o600 })
    const { store, lines } = storeOf(home, 'aaaaaaaaaaaaaaaa')
    const doc = new Y.Doc()
    const file = store.attach('kept', doc)!
    const held = text(doc)
    expect([held.includes('one;'), held.includes('two;'), held.includes('three;')]).toEqual([true, false, true])
    await file.idle()
    const names = readdirSync(dir).sort()
    // Read whole (the torn log too: its last frame was never written) goes; the rest is kept aside, as it was.
    expect(names.filter((n) => !n.startsWith('aaaaaaaaaaaaaaaa'))).toEqual([basename(deadFile(dir, '1111111111111111', 'log.damaged')), basename(deadFile(dir, '2222222222222222', 'snap.damaged'))])
    expect(readFileSync(deadFile(dir, '1111111111111111', 'log.damaged'))).toEqual(damaged)
    expect(lstatSync(deadFile(dir, '2222222222222222', 'snap.damaged')).isSymbolicLink()).toBe(true)
    expect(lines.filter((l) => l.startsWith('warn: ') && l.includes(`kept, as 1111111111111111-${DEAD.pid}-${DEAD.pidStart}.log.damaged`))).toHaveLength(1)
    expect(lines.filter((l) => l.startsWith('warn: ') && l.includes('symlink') && l.includes('.snap.damaged'))).toHaveLength(1)
    await file.close()
    const again = storeOf(home, 'bbbbbbbbbbbbbbbb')
    const back = new Y.Doc()
    const reopened = again.store.attach('kept', back)!
    expect(text(back)).toBe(held)
    expect(again.lines.filter((l) => l.startsWith('warn: '))).toEqual([])
    await reopened.close()
  })

  it(`keeps at most ${MAX_DAMAGED} damaged files per room: a further one pushes the oldest out, with a warning`, async () => {
    const home = tempDir()
    const dir = roomDir(home, 'many')
    const ids = Array.from({ length: MAX_DAMAGED + 2 }, (_, i) => i.toString(16).padStart(16, '0'))
    for (const id of ids) writeFileSync(deadFile(dir, id, 'snap'), Buffer.from('not a frame'), { mode: 0o600 })
    const { store, lines } = storeOf(home, 'aaaaaaaaaaaaaaaa')
    const file = store.attach('many', new Y.Doc())!
    await file.idle()
    expect(readdirSync(dir).filter((n) => n.endsWith('.damaged'))).toHaveLength(MAX_DAMAGED)
    expect(lines.filter((l) => l.startsWith('warn: removed'))).toHaveLength(2)
    await file.close()
  })

  it('refuses a symlinked room directory: the room is then served from memory only', () => {
    const home = tempDir()
    mkdirSync(join(home, 'rooms'), { recursive: true, mode: 0o700 })
    symlinkSync(tempDir(), join(home, 'rooms', 'linked'))
    const { store, lines } = storeOf(home, 'aaaaaaaaaaaaaaaa')
    expect(store.attach('linked', new Y.Doc())).toBeNull()
    expect(lines.some((l) => l.includes('symlinks are refused'))).toBe(true)
  })
})
