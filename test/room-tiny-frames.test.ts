/**
 * A dead process's room file at most of the store's cap, made of the smallest frames there are: 9 bytes
 * each, whose one-byte payload is no Yjs update (every one fails to apply). Opening the room read them
 * all into an array of views first (~120 bytes of heap a frame) and logged a line per failure while the
 * event loop was held, so a 127 MiB file took the peer past 4 GB and it died on every open. Here a
 * smaller heap stands for the default one: the file is a tenth of the cap, the heap a fortieth.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { encodeFrame } from '../src/node/room-log.js'
import { spawnPeer, tempHome, tokenProtocols, waitFor } from './helpers/peers.js'
import { PORTS, range } from './helpers/ports.js'
import { testScope } from './helpers/scope.js'

const FILE_MIB = 12

/** A log of frames whose payload (0xff) is no update, under a tag whose process is gone. */
const writeTinyFrames = (home: string, room: string): string => {
  const dir = join(home, 'rooms', room)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const frame = encodeFrame(Uint8Array.of(0xff))
  const buf = Buffer.alloc(Math.floor((FILE_MIB * 1024 * 1024) / frame.length) * frame.length)
  for (let at = 0; at < buf.length; at += frame.length) frame.copy(buf, at)
  const name = '1111111111111111-999999-1.log'
  writeFileSync(join(dir, name), buf, { mode: 0o600 })
  return name
}

describe('a room file of the smallest frames', () => {
  it('is read in bounded memory, with one line for its updates that do not apply', async () => {
    const home = tempHome()
    const name = writeTinyFrames(home, 'tiny')
    const env = { NODE_OPTIONS: '--max-old-space-size=100' }
    const peer = await spawnPeer({ home, env, args: ['--ports', range(PORTS.redTeam31)] })
    const ws = new WebSocket(`${peer.url.replace('http', 'ws')}/tiny`, tokenProtocols(peer))
    testScope().defer(() => ws.terminate())
    ws.on('error', () => {})
    // The room answers (its sync step) only once its files are read.
    let outcome: 'answered' | 'closed' | null = null
    ws.once('message', () => (outcome ??= 'answered'))
    ws.once('close', () => (outcome ??= 'closed'))
    await waitFor(() => outcome, 'the room to answer or its socket to close', 60_000)
    expect(outcome).toBe('answered')
    expect(peer.proc.exitCode).toBeNull()
    const lines = peer.stderr().split('\n').filter((l) => l.includes(name))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/updates do not apply \(the first: /)
  })
})
