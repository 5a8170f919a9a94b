/**
 * How many TCP connections a peer's server holds at once; Node closes a new one at once past it.
 * Without a cap, ~20,000 idle connections (a byte each, from any local process, no token needed) took
 * every file descriptor: the peer could then neither sweep servers.json nor write its rooms' files
 * (EMFILE) until they went. Half the process's descriptor limit (Node raises the soft limit to the
 * hard one as it starts), and at most 4096: far above what a mesh uses (a link per peer, a few
 * sockets per page), with the other half left for files. A flood still keeps new clients out while
 * it lasts; all loopback clients share 127.0.0.1, so no per-address cap could tell them apart.
 */
import { readFileSync } from 'node:fs'

export const MAX_CONNECTIONS = 4096

/** The soft limit on open files in /proc/self/limits' text, or null. */
export const openFilesLimit = (limits: string): number | null => {
  const m = /^Max open files\s+(\d+|unlimited)\s/m.exec(limits)
  if (!m) return null
  return m[1] === 'unlimited' ? Infinity : Number(m[1])
}

export const connectionCap = (limits: string | null = readLimits()): number => {
  const files = limits === null ? null : openFilesLimit(limits)
  return files === null ? MAX_CONNECTIONS : Math.max(64, Math.min(MAX_CONNECTIONS, Math.floor(files / 2)))
}

const readLimits = (): string | null => {
  try {
    return readFileSync('/proc/self/limits', 'utf8')
  } catch {
    // Not Linux: the cap alone.
    return null
  }
}
