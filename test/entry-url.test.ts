/**
 * An entry's URL goes into the link header a peer dials it with. The entry rule took any URL without
 * `/` or white space, so a holder of the mesh key (a buggy or compromised peer) could list one ending in
 * U+202E: every peer took it, dialled it, and died of Node's ERR_INVALID_CHAR as it set the header. Now
 * the rule takes only http://host:port, and the guard deletes such an entry where it lands. A host the
 * pattern takes but no URL parser does (`[:::::]`) made ws throw as the link was made, the same way.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { directoryClient } from './helpers/directory-client.js'
import { allSee, spawnPeer, tempHome, waitFor } from './helpers/peers.js'
import { PORTS, range } from './helpers/ports.js'
import { standInEntry } from './helpers/stand-in-peer.js'

const R = PORTS.entryUrl

describe('an entry whose URL no peer writes', () => {
  it.each([
    ['a bidi override', (port: number) => `http://127.0.0.1:${port}?\u202e`],
    ['a host no parser takes', (port: number) => `http://[:::::]:${port}`]
  ])('with %s is deleted where it lands, and no peer dies of dialling it', async (_what, urlFor) => {
    const home = tempHome()
    const peers = await Promise.all([0, 1].map(() => spawnPeer({ home, args: ['--ports', range(R)] })))
    const ids = peers.map((p) => p.id)
    await waitFor(() => allSee(peers, ids), 'the mesh to converge')
    const key = Buffer.from(readFileSync(join(home, 'mesh.key'), 'utf8').trim(), 'hex')
    const insider = await directoryClient(peers[0]!.url, { key, selfId: 'insider0', targetId: peers[0]!.id })
    // On this machine, with the test's own pid: nothing but the URL is wrong with it.
    const bad = { ...standInEntry('badurl00', R[1]), url: urlFor(R[1]), pid: process.pid }
    insider.doc.getMap('peers').set(bad.id, bad)
    await insider.flushed()
    await waitFor(async () => !insider.doc.getMap('peers').has(bad.id) && (await allSee(peers, ids)), 'the entry deleted, with both peers still answering', 10_000)
    expect(peers[0]!.stderr()).toMatch(/removing "badurl00": not a peer entry/)
    for (const p of peers) expect(p.proc.exitCode).toBeNull()
  })
})
