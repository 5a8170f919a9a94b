/**
 * write_room answers "kept on disk": it must be, on the peer that took the write, the moment the answer
 * comes. Each case kills that peer with SIGKILL as soon as the answer arrives, starts a peer on the same
 * home, and reads the room there. (Before: the answer came as the update was handed on, and a red-team
 * run lost 20 of 20 local writes and 10 of 10 remote ones this way.)
 */
import { describe, expect, it } from 'vitest'
import { call, startAgent } from './helpers/mcp.js'
import { PORTS, range } from './helpers/ports.js'
import { spawnPeer, tempHome, waitFor, type PeerProc } from './helpers/peers.js'
import { roomClient } from './helpers/rooms.js'

const args = ['--ports', range(PORTS.roomsDurable)]

/** The room's text as a fresh peer of `home` reads it from disk. */
const readAfterRestart = async (home: string, room: string, want: string) => {
  const fresh = await spawnPeer({ home, args })
  const reader = roomClient(fresh, room)
  await waitFor(() => reader.provider.synced, 'the reader to sync')
  // Synced is the whole doc as that peer holds it: what its disk gave it at open.
  expect(reader.text()).toContain(want)
}

const killed = (pid: number) => waitFor(() => {
  try {
    process.kill(pid, 0)
    return false
  } catch {
    return true
  }
}, 'the peer to be gone')

describe('write_room is on disk when it answers', () => {
  it("through the agent's own peer", async () => {
    const home = tempHome()
    for (let i = 0; i < 3; i++) {
      const agent = await startAgent({ home, name: `writer${i}`, args })
      const pid = await agent.peerPid()
      // A room of its own each time: its first write also makes the room's directory and files.
      const r = await call(agent.client, 'write_room', { room: `kept${i}`, append: `w${i};`.padEnd(100_000, '.') })
      process.kill(pid, 'SIGKILL')
      expect(r.text).toMatch(/kept on disk/)
      await killed(pid)
      await readAfterRestart(home, `kept${i}`, `w${i};`)
    }
  }, 60_000)

  it('through another peer, which is killed as the answer comes', async () => {
    const home = tempHome()
    const agent = await startAgent({ home, name: 'remote-writer', args })
    let far: PeerProc = await spawnPeer({ home, args: [...args, '--name', 'far'] })
    for (let i = 0; i < 3; i++) {
      await waitFor(async () => (await call(agent.client, 'list_peers')).text.includes(far.id), 'the agent to see the far peer', 15_000)
      const r = await call(agent.client, 'write_room', { room: `far${i}`, peer: far.id, append: `v${i};` })
      far.proc.kill('SIGKILL')
      expect(r.text).toMatch(/kept on disk/)
      await killed(far.proc.pid!)
      await readAfterRestart(home, `far${i}`, `v${i};`)
      far = await spawnPeer({ home, args: [...args, '--name', 'far'] })
    }
  }, 90_000)
})
