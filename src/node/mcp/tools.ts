/**
 * The tools an agent calls: who is on the mesh, messages between agents, and the shared text of rooms.
 * Each answers with a short text for the model and the same facts as structured content. A failure an
 * agent can act on (unknown recipient, dead peer, bad room) is an isError result, never a silent drop.
 */
import { randomBytes } from 'node:crypto'
import type { McpServer } from '@modelcontextprotocol/server'
import { z } from 'zod'
import { isValidRoomName, MAX_ROOM_TEXT } from '../../shared/protocol.js'
import { roomRows } from '../../shared/rooms.js'
import type { PeerEntry } from '../../shared/schema.js'
import { MAX_TEXT_BYTES, type InboxMessage, type WireMessage } from '../inbox.js'
import { DeliveryError, findPeer } from '../messenger.js'
import type { Peer } from '../peer.js'
import { formatAge, peerRow, terminalSafe } from '../peer-rows.js'
import type { RoomEdit } from '../room-text.js'
import { errorResult, liveSelf, textResult, type McpContext } from './context.js'
import { openHere, readHere, roomText } from './room-open.js'

const roomName = z
  .string()
  .min(1)
  .max(128)
  .refine(isValidRoomName, 'a room name is 1-128 characters of A-Z a-z 0-9 . _ -, not starting with . _ or -')
  .describe('Room name, e.g. "plan"')
const peerRef = z.string().min(1).max(128).describe("Another peer's id or name (from list_peers); omit for your own peer")

export const describePeers = (peer: Peer, now = Date.now()) => {
  const rows = peer.peers().map((p) => peerRow(p, peer.entry.id, now))
  return { self: peer.entry.id, count: rows.length, peers: rows }
}

const peersText = (d: ReturnType<typeof describePeers>): string =>
  [
    `${d.count} peer${d.count === 1 ? '' : 's'} on the mesh (* = you):`,
    ...d.peers.map((r) => {
      const agents = r.agents.map((a) => `${a.client}${a.workspace ? ` in ${a.workspace}` : ''}${a.ready ? '' : ' (starting)'}`).join(', ') || 'no agent'
      // An agent's client may show this in a terminal, as the peers table is.
      return terminalSafe(`${r.you ? '*' : '-'} ${r.name} [${r.id}] ${r.url}: ${agents}; rooms: ${r.rooms.join(', ') || 'none'}; up ${formatAge(r.ageSeconds)}`)
    })
  ].join('\n')

/** Every room the directory knows of: where it is open, its home peers, whether a home keeps it on disk. */
export const describeRooms = (peer: Peer) => {
  const peers = peer.peers()
  const nameOf = (id: string) => peers.find((p) => p.id === id)?.name ?? id
  const rooms = roomRows(peers).map((r) => ({ ...r, openOn: r.openOn.map((id) => ({ id, name: nameOf(id) })), homes: peer.roomLinks.homes(r.room).map((id) => ({ id, name: nameOf(id) })) }))
  return { count: rooms.length, rooms }
}

const roomsText = (d: ReturnType<typeof describeRooms>): string =>
  d.count === 0
    ? 'No rooms yet: write_room makes one.'
    : [
        `${d.count} room${d.count === 1 ? '' : 's'} on the mesh (each is one doc, whichever peer opens it):`,
        ...d.rooms.map((r) => `- ${r.room}: open on ${r.openOn.map((p) => p.name).join(', ') || 'no peer (idle)'}; homes ${r.homes.map((p) => p.name).join(', ')}${r.stored ? '; on disk' : ''}`)
      ].join('\n')

const messageView = (m: InboxMessage) => ({ seq: m.seq, id: m.id, from: m.from, text: m.text, sentAt: m.sentAt, receivedAt: m.receivedAt })

/** The peer a room tool acts on: this one when `ref` is absent or names it. */
const roomPeer = (peer: Peer, ref: string | undefined): PeerEntry | null => {
  if (ref === undefined) return null
  const target = findPeer(peer.peers(), ref)
  return target.id === peer.entry.id ? null : target
}

const registerMeshTools = (server: McpServer, ctx: McpContext): void => {
  server.registerTool(
    'list_peers',
    {
      title: 'List peers',
      description: 'Every peer of the local peer-plan mesh: its agent(s) (client name, version, workspace, ready), URL, rooms and age. Your own peer is marked "you".',
      annotations: { readOnlyHint: true }
    },
    async () => {
      const d = describePeers(await ctx.peer())
      return textResult(peersText(d), d)
    }
  )

  server.registerTool(
    'dashboard_url',
    {
      title: 'Dashboard URL',
      description:
        "The mesh's dashboard for your user: peers, agents and rooms, live in a browser. The URL carries the mesh's access token in its fragment (never sent to a server); it grants full access to the rooms, so show it to your user only, never to a web page or another service.",
      annotations: { readOnlyHint: true }
    },
    async () => {
      const p = await ctx.peer()
      return textResult(`Open this in a browser on this machine to see the mesh live: ${p.dashboardUrl}`, { url: p.dashboardUrl })
    }
  )

  server.registerTool(
    'send_message',
    {
      title: 'Send a message',
      description: `Sends a text message to the agent(s) of another peer, by peer id or name (see list_peers). It is delivered straight to that peer's inbox; the recipient reads it with check_messages. Text up to ${MAX_TEXT_BYTES} bytes. An unknown or unreachable recipient is an error.`,
      inputSchema: z.object({ to: z.string().min(1).max(128).describe('Peer id or name'), text: z.string().min(1).max(MAX_TEXT_BYTES).describe('The message') })
    },
    async ({ to, text }) => {
      if (Buffer.byteLength(text) > MAX_TEXT_BYTES) return errorResult(`text is ${Buffer.byteLength(text)} bytes; at most ${MAX_TEXT_BYTES}`)
      const peer = await ctx.peer()
      try {
        const target = findPeer(peer.peers(), to)
        const self = liveSelf(peer)
        const msg: WireMessage = { v: 1, id: randomBytes(8).toString('hex'), to: target.id, from: { id: self.id, name: self.name, agent: ctx.session.agent?.client, session: ctx.session.id }, text, sentAt: Date.now() }
        const { seq } = target.id === peer.entry.id ? peer.inbox.add(msg) : await ctx.messenger.deliver(target, msg, peer.linkProof)
        const agents = target.agents?.length ?? 0
        const note = agents ? `${agents} agent${agents === 1 ? '' : 's'} attached there` : 'no agent is attached there yet; the next one to call check_messages reads it'
        return textResult(`Delivered to ${target.name} [${target.id}] (inbox #${seq}); ${note}.`, { delivered: true, to: { id: target.id, name: target.name }, messageId: msg.id, seq, agents })
      } catch (err) {
        if (err instanceof DeliveryError) return errorResult(err.message)
        throw err
      }
    }
  )

  server.registerTool(
    'check_messages',
    {
      title: 'Check messages',
      description: 'Messages other agents sent to your peer since your last call, oldest first, each with its sender and time.',
      inputSchema: z.object({ limit: z.number().int().min(1).max(200).optional().describe('At most this many (default 50); call again for more') }),
      annotations: { readOnlyHint: false }
    },
    async ({ limit }) => {
      const peer = await ctx.peer()
      const { messages, missed } = peer.inbox.since(ctx.session.inboxCursor, limit ?? 50)
      if (messages.length) ctx.session.inboxCursor = messages[messages.length - 1]!.seq
      const more = peer.inbox.lastSeq > ctx.session.inboxCursor
      const lines = messages.map((m) => `[${new Date(m.sentAt).toISOString()}] ${m.from.name} [${m.from.id}]${m.from.agent ? ` (${m.from.agent})` : ''}: ${m.text}`)
      if (missed) lines.unshift(`(${missed} older message${missed === 1 ? ' was' : 's were'} dropped: the inbox keeps the newest only)`)
      if (more) lines.push('(more waiting: call check_messages again)')
      return textResult(lines.length ? lines.join('\n') : 'No new messages.', { messages: messages.map(messageView), missed, more })
    }
  )
}

const registerRoomList = (server: McpServer, ctx: McpContext): void => {
  server.registerTool(
    'list_rooms',
    {
      title: 'List rooms',
      description: 'Every room of the mesh: the peers that hold it open now, its home peers (where it lives), and whether it is kept on disk. A room is one document across the mesh: read_room and write_room reach the same text from any peer.',
      annotations: { readOnlyHint: true }
    },
    async () => {
      const d = describeRooms(await ctx.peer())
      return textResult(roomsText(d), d)
    }
  )
}

const registerRoomTools = (server: McpServer, ctx: McpContext): void => {
  server.registerTool(
    'read_room',
    {
      title: 'Read a room',
      description: 'The shared text of a Yjs room (the Y.Text named "content"). A room is one document across the mesh, whichever peer you read it through (default yours); a browser page on the same room shows and edits the same text live.',
      inputSchema: z.object({ room: roomName, peer: peerRef.optional() }),
      annotations: { readOnlyHint: true }
    },
    async ({ room, peer: ref }) => {
      const peer = await ctx.peer()
      const { readText, withRemoteRoom, RoomTextError } = await roomText()
      try {
        const target = roomPeer(peer, ref)
        const text = target ? await withRemoteRoom(target.url, room, () => peer.roomDial(target), readText) : await readHere(peer, room)
        if (text === null) return errorResult(`this peer already hosts its maximum of rooms; ${room} cannot be opened`)
        const where = target ?? liveSelf(peer)
        return textResult(text || `(room ${room} on ${where.name} is empty)`, { room, peer: { id: where.id, name: where.name }, text, length: text.length })
      } catch (err) {
        if (err instanceof DeliveryError || err instanceof RoomTextError) return errorResult(err.message)
        throw err
      }
    }
  )

  server.registerTool(
    'write_room',
    {
      title: 'Write a room',
      description: `Replaces ("text") or appends to ("append") the shared text of a Yjs room (the Y.Text named "content"), on your peer or another one; give exactly one of the two. A room is one document across the mesh, whichever peer you write it through (default yours), and is kept on disk: it outlives every peer. At most ${MAX_ROOM_TEXT} characters in all.`,
      inputSchema: z.object({ room: roomName, peer: peerRef.optional(), text: z.string().max(MAX_ROOM_TEXT).optional().describe('The whole new text'), append: z.string().max(MAX_ROOM_TEXT).optional().describe('Text to add at the end') })
    },
    async ({ room, peer: ref, text, append }) => {
      if ((text === undefined) === (append === undefined)) return errorResult('give exactly one of "text" (replace) or "append"')
      const edit: RoomEdit = text !== undefined ? { text } : { append: append! }
      const peer = await ctx.peer()
      const { applyEdit, withRemoteRoom, RoomTextError } = await roomText()
      try {
        const target = roomPeer(peer, ref)
        let length: number
        let kept: boolean
        if (target) ({ result: length, kept } = await withRemoteRoom(target.url, room, () => peer.roomDial(target), (doc) => applyEdit(doc, edit), undefined, true))
        else {
          const local = await openHere(peer, room, true)
          if (!local) return errorResult(`this peer already hosts its maximum of rooms; ${room} cannot be opened`)
          length = applyEdit(local.doc, edit)
          // Answered once the room's file holds it: the answer says "kept on disk".
          kept = local.file ? await local.file.flushed() : false
        }
        const where = target ?? liveSelf(peer)
        const ws = `${where.url.replace(/^http/, 'ws')}/${room}`
        // Not an error: the edit is in and on its way across the mesh, and a retried append would add it twice.
        const note = kept ? ' The room is one document across the mesh, kept on disk.' : ` The room is one document across the mesh, but ${where.name} could not keep this on its disk (see its log): it is held in memory.`
        return textResult(`Room ${room} on ${where.name} now holds ${length} characters (${ws}, Y.Text "content").${note}`, { room, peer: { id: where.id, name: where.name }, length, websocket: ws, keptOnDisk: kept })
      } catch (err) {
        if (err instanceof DeliveryError || err instanceof RoomTextError) return errorResult(err.message)
        throw err
      }
    }
  )
}

export const registerTools = (server: McpServer, ctx: McpContext): void => {
  registerMeshTools(server, ctx)
  registerRoomList(server, ctx)
  registerRoomTools(server, ctx)
}
