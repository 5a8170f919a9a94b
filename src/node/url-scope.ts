/**
 * Which peer URLs this peer may dial, trust in the directory, or take as a mesh origin. In loopback
 * scope: loopback only (127.0.0.0/8, ::1, localhost), from any source. In lan scope also an IPv4
 * address on one of this host's own LAN subnets. Nothing else is ever dialled, whatever a directory
 * entry, a servers.json line or an mDNS answer says.
 */
import { isIP } from 'node:net'
import { networkInterfaces } from 'node:os'

export type Scope = 'loopback' | 'lan'

const hostOf = (url: string): string | null => {
  try {
    const u = new URL(url)
    if (u.protocol !== 'http:') return null
    return u.hostname.replace(/^\[|\]$/g, '')
  } catch {
    return null
  }
}

export const isLoopbackHostname = (host: string): boolean =>
  host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'))

const toInt = (ip: string): number => ip.split('.').reduce((n, part) => (n << 8) + Number(part), 0) >>> 0

/** Is `ip` on the same IPv4 subnet as one of this host's non-loopback interfaces? */
export const onOwnLan = (ip: string): boolean => {
  if (isIP(ip) !== 4) return false
  for (const a of Object.values(networkInterfaces()).flat()) {
    if (!a || a.family !== 'IPv4' || a.internal) continue
    const mask = toInt(a.netmask)
    if ((toInt(a.address) & mask) === (toInt(ip) & mask)) return true
  }
  return false
}

export const urlInScope = (url: string, scope: Scope): boolean => {
  const host = hostOf(url)
  if (host === null) return false
  return isLoopbackHostname(host) || (scope === 'lan' && onOwnLan(host))
}
