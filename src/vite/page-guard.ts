/**
 * Who may use the plugin's routes and relay on the dev server: a client on this machine (the peers are
 * loopback-only; `vite --host` must not hand them to the LAN), naming the dev server by a loopback name
 * or one of Vite's `allowedHosts` (DNS rebinding), from the dev server's own origin or with no Origin at
 * all (a tool, not a page). The relay adds no credential: what it forwards is what the client showed.
 */
import type { IncomingMessage } from 'node:http'
import { isIP } from 'node:net'

const loopbackAddress = (a: string | undefined): boolean =>
  a !== undefined && (a === '::1' || a.startsWith('127.') || a.startsWith('::ffff:127.'))

const hostnameOf = (host: string): string => {
  const m = /^\[([^\]]+)\](?::\d+)?$/.exec(host) ?? /^([^:]+)(?::\d+)?$/.exec(host)
  return (m?.[1] ?? '').toLowerCase()
}

const loopbackName = (name: string): boolean =>
  name === 'localhost' || name.endsWith('.localhost') || name === '::1' || (isIP(name) === 4 && name.startsWith('127.'))

/** Vite's rule: an entry names the host exactly, or with a leading dot the domain and its subdomains. */
const listed = (name: string, allowed: readonly string[] | true): boolean =>
  allowed === true || allowed.some((a) => (a.startsWith('.') ? name === a.slice(1) || name.endsWith(a) : name === a.toLowerCase()))

/** Why the request may not use the plugin, or null when it may. */
export const pageRefusal = (req: IncomingMessage, allowedHosts: readonly string[] | true): string | null => {
  if (!loopbackAddress(req.socket.remoteAddress)) return 'peer-plan relays for clients on this machine only'
  const host = req.headers.host ?? ''
  const name = hostnameOf(host)
  if (!name || !(loopbackName(name) || listed(name, allowedHosts))) return 'Host not allowed'
  const origin = req.headers.origin
  if (origin !== undefined && origin.toLowerCase() !== `http://${host}`.toLowerCase() && origin.toLowerCase() !== `https://${host}`.toLowerCase()) return 'Origin not allowed: only the dev server\'s own pages'
  return null
}
