/**
 * The real CLI under an idle flood: a peer started with a low open-files limit (so its connection cap is
 * small), every slot taken by connections that send nothing, and a client that still gets its answer.
 */
import { readFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { connectionCap } from '../src/node/conn-cap.js'
import { plainGet } from './helpers/capped-server.js'
import { spawnPeer, tempHome, waitFor } from './helpers/peers.js'
import { PORTS, range } from './helpers/ports.js'
import { testScope } from './helpers/scope.js'

// exec: the peer is the process sh was, so its pid is the one whose limits are read below.
const LOW_FILES = ['sh', '-c', 'ulimit -n 200 && exec "$@"', 'sh']

describe('an idle flood against a real peer', () => {
  it('lets a GET in while idle connections hold every slot of the cap', async () => {
    const peer = await spawnPeer({ home: tempHome(), wrap: LOW_FILES, args: ['--ports', range(PORTS.idleFlood)] })
    // The peer's own reading of its limit: the same function, fed the same /proc text it read.
    const cap = connectionCap(readFileSync(`/proc/${peer.pid}/limits`, 'utf8'))
    expect(cap).toBeLessThan(200)
    const flood: Socket[] = []
    testScope().defer(() => flood.forEach((s) => s.destroy()))
    const open = () =>
      new Promise<void>((resolve) => {
        const s = connect(peer.port, '127.0.0.1', resolve).on('error', () => {})
        s.once('close', () => resolve())
        flood.push(s)
      })
    await Promise.all(Array.from({ length: cap }, open))
    expect(flood.filter((s) => s.destroyed)).toHaveLength(0)
    // Before: Node closed this at once, and any later one, for as long as the flood was kept up.
    expect(await plainGet(peer.port, '/health')).toBe(200)
    // One of the flood went to make room for it (the oldest, as test/unit/idle-evict.test.ts shows).
    await waitFor(() => flood.some((s) => s.destroyed), 'an idle connection to be closed for the GET')
    expect(peer.proc.exitCode).toBeNull()
    // What the flood cost, as the token's /health tells it (each GET past the cap closed one more).
    const health = (await (await fetch(`${peer.url}/health`, { headers: { Authorization: `Bearer ${peer.token}` } })).json()) as { connections?: { held: number; cap: number; evicted: number } }
    expect(health.connections).toMatchObject({ cap })
    expect(health.connections!.evicted).toBeGreaterThanOrEqual(1)
    expect(health.connections!.held).toBeLessThanOrEqual(cap)
    // The peer said so in its log: once, though each GET past the cap closed one more.
    await waitFor(() => peer.stderr().includes('at the connection cap'), 'the cap to be logged')
    expect(peer.stderr().match(/at the connection cap/g)).toHaveLength(1)
  })
})
