import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { PORTS, range } from './helpers/ports.js'
import { allSee, report, spawnPeer, tempHome, tokenProtocols, waitFor } from './helpers/peers.js'

describe('shutdown', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s leaves the directory and servers.json, closes sockets and exits 0', async (signal) => {
    const home = tempHome()
    const args = ['--ports', range(PORTS.shutdown)]
    const peers = await Promise.all([spawnPeer({ home, args }), spawnPeer({ home, args }), spawnPeer({ home, args })])
    await waitFor(() => allSee(peers, peers.map((p) => p.id)), 'convergence')
    const [leaving, ...rest] = peers
    const client = new WebSocket(`${leaving!.url.replace('http', 'ws')}/some-room`, tokenProtocols(leaving!))
    await new Promise((r) => client.on('open', r))
    const clientClosed = new Promise((r) => client.on('close', r))

    const t0 = Date.now()
    leaving!.kill(signal)
    const { code } = await leaving!.exited
    report(`exit after ${signal}`, Date.now() - t0)
    expect(code).toBe(0)
    await clientClosed
    expect(leaving!.stdout()).toBe('')
    const file = JSON.parse(await readFile(join(home, 'servers.json'), 'utf8')) as { peers: { id: string }[] }
    expect(file.peers.map((p) => p.id)).not.toContain(leaving!.id)
    await waitFor(() => allSee(rest, rest.map((p) => p.id)), 'the others to drop the leaver')
    report(`others drop a peer after its ${signal}`, Date.now() - t0)
    expect(leaving!.stderr()).not.toMatch(/exiting anyway/)
  })
})
