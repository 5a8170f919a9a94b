/**
 * The mesh as people and agents read it: one row per peer with its agents, workspace, URL, rooms and
 * age, "you" marked. Shared by the MCP tool list_peers, the peer-plan://peers resource and the
 * `peer-plan-node peers` table, so all three say the same thing.
 */
import type { PeerEntry } from '../shared/schema.js'

export interface PeerRow {
  id: string
  name: string
  you: boolean
  url: string
  pid: number
  ageSeconds: number
  rooms: string[]
  agents: { client: string; title?: string; version?: string; workspace?: string; ready: boolean; transport: string; session: string }[]
}

export const peerRow = (p: PeerEntry, selfId: string | null, now: number): PeerRow => ({
  id: p.id,
  name: p.name,
  you: p.id === selfId,
  url: p.url,
  pid: p.pid,
  ageSeconds: Math.max(0, Math.round((now - p.startedAt) / 1000)),
  rooms: p.rooms ?? [],
  agents: (p.agents ?? []).map(({ session, client, title, version, workspace, ready, transport }) => ({ session, client, title, version, workspace, ready, transport }))
})

export const formatAge = (s: number): string => (s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m` : `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`)

const agentLabel = (a: PeerRow['agents'][number]): string => `${a.client}${a.version ? ` ${a.version}` : ''}${a.ready ? '' : ' (starting)'}`

/**
 * A cell as a terminal may show it: entries are written by any mesh member (and agents' names by any MCP
 * client), and an ESC, C1 or bidi control in one would set the window's title, clear the screen or
 * reorder the table. Each is shown as its escape, \x1b or \u202e.
 */
export const terminalSafe = (text: string): string =>
  text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.charCodeAt(0)
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`
  })

/** Columns: ID, NAME, AGENT, WORKSPACE, URL, PID, AGE, ROOMS; the own peer starred, if it is among them. */
export const peerTable = (rows: PeerRow[]): string => {
  const head = ['', 'ID', 'NAME', 'AGENT', 'WORKSPACE', 'URL', 'PID', 'AGE', 'ROOMS']
  const cells = rows.map((r) => [
    r.you ? '*' : '',
    r.id,
    r.name,
    r.agents.map(agentLabel).join(', ') || '-',
    [...new Set(r.agents.flatMap((a) => a.workspace ?? []))].join(', ') || '-',
    r.url,
    String(r.pid),
    formatAge(r.ageSeconds),
    r.rooms.join(', ') || '-'
  ].map(terminalSafe))
  // The star column only where some row is "you" (the CLI reads the mesh from outside it).
  const lines = rows.some((r) => r.you) ? [head, ...cells] : [head, ...cells].map((l) => l.slice(1))
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)))
  return lines.map((line) => line.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n'
}
