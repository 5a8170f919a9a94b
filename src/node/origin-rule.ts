/**
 * Which browser origins belong to the mesh itself: every loopback peer origin in the directory, whatever
 * port range its home uses (mDNS joins homes), and in lan scope this host's own addresses on its own
 * range. Directory contents never widen it beyond loopback: an entry naming another host adds nothing.
 * An overflow peer's first URL counts as well (see range-claim.ts). http-guards applies it only to origins of the exact shape http://<IPv4 or localhost>:<port>.
 */
import type { DirectoryView } from '../shared/directory.js'
import { lanAddresses } from './lan-addresses.js'
import { isLoopbackHostname } from './url-scope.js'

export interface OriginRuleOptions {
  view: DirectoryView
  lan: boolean
  ports: [number, number]
}

export const meshOriginRule =
  ({ view, lan, ports }: OriginRuleOptions) =>
  (origin: URL): boolean => {
    const port = Number(origin.port)
    if (lan && lanAddresses().includes(origin.hostname) && port >= ports[0] && port <= ports[1]) return true
    if (!isLoopbackHostname(origin.hostname)) return false
    const served = (url: string) => {
      // An entry's URL passed the entry check's pattern, which URL may still refuse: it serves nothing then.
      if (!URL.canParse(url)) return false
      const u = new URL(url)
      return Number(u.port) === port && isLoopbackHostname(u.hostname.replace(/^\[|\]$/g, ''))
    }
    // An overflow peer that took a range port still serves (and a page may still be open on) its first URL.
    return view.peers().some((p) => served(p.url) || (p.overflowUrl !== undefined && served(p.overflowUrl)))
  }
