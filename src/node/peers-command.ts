/**
 * `peer-plan-node peers`: the mesh as a table, read from any live peer, like `jupyter server list`.
 * Candidates are the live peers of servers.json (asked with the token), then every port of the range
 * (asked without it); the first /registry that answers is printed. Exit 0 with the table, 1 with one line saying no peer answered.
 */
import { getJson } from '../shared/health-client.js'
import { checkRegistryResponse as parseRegistryResponse } from '../shared/entry-check.js'
import type { RegistryResponse } from '../shared/schema.js'
import type { PeerConfig } from './config.js'
import { accessToken, dashboardUrl } from './access-token.js'
import { createLogger } from './log.js'
import { nodeGet } from './node-get.js'
import { loadMeshKey } from './mesh-key.js'
import { peerRow, peerTable, terminalSafe } from './peer-rows.js'
import { isProcessAlive, machineId } from './process-identity.js'
import { RegistryFile } from './registry-file.js'

/** With the token, the answer names each peer's rooms; a stranger's would not. */
const fetchRegistry = async (url: string, timeoutMs: number, token: string | null): Promise<RegistryResponse> => {
  const parsed = parseRegistryResponse(await getJson(`${url}/registry`, { timeoutMs, get: nodeGet(), ...(token ? { headers: { Authorization: `Bearer ${token}` } } : {}) }))
  if (!parsed) throw new Error('not a peer-plan peer')
  return parsed
}

/** The first of `urls` whose /registry answers (all asked at once). */
export const firstAnswer = (urls: string[], timeoutMs: number, token: string | null = null): Promise<RegistryResponse | null> =>
  new Promise((resolve) => {
    let pending = urls.length
    if (!pending) return resolve(null)
    for (const url of urls) {
      fetchRegistry(url, timeoutMs, token).then(resolve, () => --pending === 0 && resolve(null))
    }
  })

/**
 * Where to look: the peers servers.json lists whose processes live (this home's, so this key's mesh),
 * and then every port of the range (any process may listen there).
 */
export interface Candidates {
  trusted: string[]
  scan: string[]
}

export const candidates = async (config: PeerConfig, more: string[] = []): Promise<Candidates> => {
  const registry = new RegistryFile(config.home, createLogger('error', 'peer-plan-node'))
  const { peers } = await registry.read().catch(() => ({ peers: [] }))
  // This machine's boot, and a live process of the pid and start time the entry names.
  const machine = machineId()
  const trusted = [...new Set(peers.filter((p) => p.hostId === machine && isProcessAlive(p)).map((p) => p.url))]
  const host = config.host.includes(':') ? `[${config.host}]` : config.host
  const range = Array.from({ length: config.ports[1] - config.ports[0] + 1 }, (_, k) => `http://${host}:${config.ports[0] + k}`)
  // An entry that fails that check is still asked, without the token: an overflow peer outside the
  // range is found nowhere else, and the check can fail wrongly (another pid namespace).
  return { trusted, scan: [...new Set([...more, ...peers.map((p) => p.url), ...range])].filter((u) => !trusted.includes(u)) }
}

/**
 * The first answer among the trusted candidates (asked with `token`), else among the others (asked
 * without it): a stranger squatting a free port of the range must neither see the token nor be taken
 * for the mesh while one of this home's peers answers.
 */
export const firstTrustedAnswer = async (c: Candidates, timeoutMs: number, token: string | null = null): Promise<{ answer: RegistryResponse; trusted: boolean } | null> => {
  const mine = await firstAnswer(c.trusted, timeoutMs, token)
  if (mine) return { answer: mine, trusted: true }
  const other = await firstAnswer(c.scan, timeoutMs)
  return other ? { answer: other, trusted: false } : null
}

export const runPeersCommand = async (config: PeerConfig, out: (s: string) => void, err: (s: string) => void): Promise<number> => {
  // The dashboard of the peer that answered, with the token of this home's key: what `jupyter server
  // list` gives a person to open. A key this user cannot read means no token, not a failure.
  const key = await loadMeshKey(config.home, config.secretFile, createLogger('error', 'peer-plan-node')).catch(() => null)
  const token = key ? accessToken(key) : null
  const found = await firstTrustedAnswer(await candidates(config), 1000, token)
  if (!found) {
    err(`peer-plan-node: no live peer found (servers.json in ${config.home}, ports ${config.ports[0]}-${config.ports[1]}); start one with: npx peer-plan-node\n`)
    return 1
  }
  const { answer, trusted } = found
  const now = Date.now()
  out(peerTable(answer.peers.map((p) => peerRow(p, null, now))))
  const self = answer.peers.find((p) => p.id === answer.self)
  // The token goes only into the URL of a peer of this home: a page's script reads its fragment.
  if (self) out(`\ndashboard: ${terminalSafe(dashboardUrl(self.url, trusted ? token : null))}\n`)
  if (!trusted) out('(read from a peer not live in this home\'s servers.json, without the access token: rooms are not shown)\n')
  return 0
}
