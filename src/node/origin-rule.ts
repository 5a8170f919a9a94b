/**
 * Which browser origins belong to the mesh itself: every peer's origin in the directory, whatever port
 * range its home uses (mDNS joins homes), and in lan scope this host's own addresses on its own range.
 * http-guards applies it only to origins of the exact shape http://<IPv4 or localhost>:<port>.
 */
import type { DirectoryView } from '../shared/directory.js'
import { lanAddresses } from './discovery/mdns.js'

export interface OriginRuleOptions {
  view: DirectoryView
  lan: boolean
  ports: [number, number]
}

export const meshOriginRule =
  ({ view, lan, ports }: OriginRuleOptions) =>
  (origin: URL): boolean => {
    const loopbackName = origin.hostname === 'localhost' || origin.hostname.startsWith('127.')
    const port = Number(origin.port)
    if (lan && lanAddresses().includes(origin.hostname) && port >= ports[0] && port <= ports[1]) return true
    return view.peers().some((p) => {
      const u = new URL(p.url)
      return Number(u.port) === port && (u.hostname === origin.hostname || (loopbackName && u.hostname.startsWith('127.')))
    })
  }
