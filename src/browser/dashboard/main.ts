/**
 * The page every peer serves at /: the mesh's peers with their agents, rooms and health, one room shown
 * live, the history the peers kept, and how this page is connected. Built on joinMesh() like any other
 * page would be; each section is a module of its own.
 */
import { isAccessToken, joinMesh, MeshDiscoveryError, type Mesh } from '../index.js'
import { ConnectionSection } from './connection.js'
import { $, el } from './dom.js'
import { HistorySection } from './history.js'
import { PeersSection } from './peers.js'
import { PeerPoller } from './poller.js'
import { RoomsSection } from './rooms.js'

interface PageConfig {
  ports: [number, number]
  host: string
}

/** Ages, health, the retry countdown and a failover's timing (taken after its status event) are redrawn this often. */
const CLOCK_MS = 1000

/**
 * The access token arrives in the URL's fragment (never sent to a server) and is kept for this tab's
 * session, then taken out of the address bar so it is not shown or shared with the URL.
 */
const takeToken = (): string | undefined => {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token')
  if (fromHash) {
    sessionStorage.setItem('peer-plan-token', fromHash)
    history.replaceState(null, '', location.pathname + location.search)
  }
  const token = fromHash ?? sessionStorage.getItem('peer-plan-token') ?? undefined
  // A token cut or padded on its way here opens nothing: the page shows what a stranger sees, as for a wrong one.
  if (token === undefined || isAccessToken(token)) return token
  console.warn('peer-plan: the #token= of this URL is not an access token (64 hex digits); showing the mesh without it')
  return undefined
}

const failed = (err: unknown) => {
  $('status').textContent = 'no peer answered'
  $('status').className = 'pill gone'
  const lines = err instanceof MeshDiscoveryError ? err.attempts.map((a) => `${a.via}: ${a.detail}`) : [String(err)]
  $('status-detail').textContent = 'none of the discovery sources found a peer; is one running?'
  $('connection-log').replaceChildren(...lines.map((l) => el('li', l)))
}

const wire = (mesh: Mesh) => {
  const connection = new ConnectionSection(mesh, { status: $('status'), statusDetail: $('status-detail'), via: $('via'), timings: $('timings'), log: $('connection-log') })
  const poller: PeerPoller = new PeerPoller(mesh, { events: (events) => (historyList.merge(events), historyList.render()), changed: () => (peers.render(), historyList.render(), rooms.render()) })
  const historyList = new HistorySection(mesh, $('history'), () => poller.tokenRefused)
  const peers = new PeersSection(mesh, poller, $('peers').querySelector('tbody')!)
  const rooms = new RoomsSection(mesh, $('rooms'), $('room-view'), $('room-name'), () => poller.tokenRefused)
  const renderMesh = () => {
    $('peer-count').textContent = String(mesh.peers.length)
    peers.render()
    rooms.render()
    historyList.render()
  }
  mesh.on('peer-added', (p) => peers.added(p))
  mesh.on('peer-removed', (p) => peers.left(p))
  mesh.on('change', renderMesh)
  mesh.on('status', (e) => (connection.onStatus(e), peers.render()))
  connection.note(`found the mesh via ${mesh.via}; ${mesh.status}`)
  void mesh.live.then(() => connection.render(), () => {})
  renderMesh()
  connection.render()
  poller.start()
  setInterval(() => (peers.render(), connection.render()), CLOCK_MS)
  return { rooms, peers, poller, history: historyList }
}

const main = async () => {
  const config = JSON.parse($('peer-plan-config').textContent ?? '{}') as PageConfig
  $('status').textContent = 'finding the mesh…'
  let mesh: Mesh
  try {
    mesh = await joinMesh({ ports: config.ports, host: config.host, token: takeToken() })
  } catch (err) {
    return failed(err)
  }
  // For people poking at the page from the console, and for the browser tests.
  Object.assign(window, { mesh, dashboard: wire(mesh) })
}

void main()
