/**
 * Resources that push: the mesh (peer-plan://peers), this peer's inbox (peer-plan://inbox) and the text
 * of each of its rooms (peer-plan://rooms/<name>). A client that subscribes gets
 * notifications/resources/updated when one changes; the list of rooms sends list_changed.
 */
import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/server'
import { isValidRoomName } from '../../shared/protocol.js'
import type { McpContext } from './context.js'
import { readHere } from './room-open.js'
import { describePeers } from './tools.js'
import { INBOX_URI, PEERS_URI, ROOM_URI_PREFIX, userRooms } from './uris.js'

/** Messages the inbox resource shows (the newest); check_messages pages through all of them. */
const INBOX_VIEW = 50

const json = (uri: URL, value: unknown) => ({ contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(value, null, 2) }] })

export const registerResources = (server: McpServer, ctx: McpContext): void => {
  server.registerResource(
    'peers',
    PEERS_URI,
    { title: 'Peers of the mesh', description: 'Every peer with its agents, URL, rooms and age (as list_peers). Subscribe to hear of joins, leaves and changes.', mimeType: 'application/json' },
    async (uri) => json(uri, describePeers(await ctx.peer()))
  )
  server.registerResource(
    'inbox',
    INBOX_URI,
    { title: 'Inbox', description: `Messages other agents sent to this peer (the newest ${INBOX_VIEW}) and how many are unread by you. Subscribe to hear of each new one; check_messages reads and marks them.`, mimeType: 'application/json' },
    async (uri) => {
      const peer = await ctx.peer()
      const unread = peer.inbox.since(ctx.session.inboxCursor).messages.length
      const recent = peer.inbox.since(Math.max(0, peer.inbox.lastSeq - INBOX_VIEW)).messages
      return json(uri, { unread, lastSeq: peer.inbox.lastSeq, dropped: peer.inbox.dropped, messages: recent })
    }
  )
  server.registerResource(
    'room',
    new ResourceTemplate(`${ROOM_URI_PREFIX}{room}`, {
      list: async () => ({ resources: userRooms(await ctx.peer()).map((name) => ({ uri: `${ROOM_URI_PREFIX}${name}`, name, mimeType: 'text/plain' })) })
    }),
    { title: 'Room text', description: 'The shared text (Y.Text "content") of one of this peer\'s rooms.', mimeType: 'text/plain' },
    async (uri, vars) => {
      // A room the agent wrote a while ago has been let go (room-pins.ts): read it from disk and its homes.
      const name = String(vars.room)
      const text = isValidRoomName(name) ? await readHere(await ctx.peer(), name) : null
      return { contents: [{ uri: uri.href, mimeType: 'text/plain', text: text ?? '' }] }
    }
  )
  server.server.setRequestHandler('resources/subscribe', async (req) => {
    if (!ctx.session.subscribe(req.params.uri)) throw new Error('too many subscriptions on this connection')
    return {}
  })
  server.server.setRequestHandler('resources/unsubscribe', async (req) => {
    ctx.session.unsubscribe(req.params.uri)
    return {}
  })
}
