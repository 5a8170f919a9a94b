import { describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as syncProtocol from 'y-protocols/sync'
import { PORTS, range } from './helpers/ports.js'
import { spawnPeer, tempHome, waitFor } from './helpers/peers.js'

describe('a stock y-websocket WebsocketProvider', () => {
  it('syncs a room, and its awareness, through a peer', async () => {
    const home = tempHome()
    const peer = await spawnPeer({ home, args: ['--ports', range(PORTS.ywebsocket)] })
    const wsUrl = peer.url.replace('http', 'ws')
    // A stock client shows the access token as a URL parameter.
    const opts = { WebSocketPolyfill: WebSocket as never, disableBc: true, params: { token: peer.token } }

    const a = new Y.Doc()
    const pa = new WebsocketProvider(wsUrl, 'notes', a, opts)
    a.getMap('plan').set('step', 'draft the mesh')
    await waitFor(() => pa.synced, 'the first client to sync')

    // A late joiner gets the state from the peer, then live edits both ways.
    const b = new Y.Doc()
    const pb = new WebsocketProvider(wsUrl, 'notes', b, opts)
    await waitFor(() => b.getMap('plan').get('step') === 'draft the mesh', 'the late joiner to receive the state')
    b.getMap('plan').set('reply', 'on it')
    await waitFor(() => a.getMap('plan').get('reply') === 'on it', 'the reply to come back')

    pa.awareness.setLocalStateField('user', { name: 'agent-a' })
    await waitFor(() => [...pb.awareness.getStates().values()].some((s) => s.user?.name === 'agent-a'), 'awareness to arrive')
    pa.destroy()
    await waitFor(() => ![...pb.awareness.getStates().values()].some((s) => s.user?.name === 'agent-a'), 'awareness to clear when a client leaves')
    pb.destroy()
    expect(b.getMap('plan').toJSON()).toEqual({ step: 'draft the mesh', reply: 'on it' })
  })

  it('a reader of the directory is sent it unasked, and its own step 1 then gets only what changed', async () => {
    const home = tempHome()
    const peer = await spawnPeer({ home, args: ['--ports', range(PORTS.ywebsocket)] })
    const ws = new WebSocket(`${peer.url.replace('http', 'ws')}/_directory`)
    const steps: Uint8Array[] = []
    ws.on('message', (data: Buffer) => {
      const d = decoding.createDecoder(new Uint8Array(data))
      if (decoding.readVarUint(d) !== 0 || decoding.readVarUint(d) !== syncProtocol.messageYjsSyncStep2) return
      steps.push(decoding.readVarUint8Array(d))
    })
    try {
      // Nothing sent yet: the whole directory comes anyway, holding this peer.
      await waitFor(() => steps.length === 1, 'the directory to be pushed')
      const doc = new Y.Doc()
      Y.applyUpdate(doc, steps[0]!)
      expect(doc.getMap('peers').has(peer.id)).toBe(true)
      // An empty state vector, as a fresh y-websocket client sends on open.
      const encoder = encoding.createEncoder()
      encoding.writeVarUint(encoder, 0)
      syncProtocol.writeSyncStep1(encoder, new Y.Doc())
      ws.send(encoding.toUint8Array(encoder))
      await waitFor(() => steps.length === 2, 'the answer to the step 1')
      expect(steps[1]!.length).toBeLessThan(steps[0]!.length)
    } finally {
      ws.close()
    }
  })
})
