/**
 * The page every peer serves at /: live peers, how the page found the mesh, and its timings, updated
 * as peers come and go. Built on joinMesh() like any other page would be.
 */
import { joinMesh, MeshDiscoveryError, type Mesh } from '../index.js'
import { RoomsSection } from './rooms.js'

interface PageConfig {
  ports: [number, number]
  host: string
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T
const config = JSON.parse($('peer-plan-config').textContent ?? '{}') as PageConfig

const el = (tag: string, text: string, attrs: Record<string, string> = {}) => {
  const e = document.createElement(tag)
  e.textContent = text
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v)
  return e
}

const uptime = (startedAt: number) => {
  const s = Math.max(0, Math.round((Date.now() - startedAt) / 1000))
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`
}

const ms = (n: number) => `${n.toFixed(1)} ms`

const render = (mesh: Mesh) => {
  $('peer-count').textContent = String(mesh.peers.length)
  const body = $('peers').querySelector('tbody')!
  body.replaceChildren(
    ...mesh.peers.map((p) => {
      const tr = el('tr', '', { 'data-peer': p.id, class: p.id === mesh.current?.id ? 'current' : '' })
      const link = el('a', p.url, { href: `${p.url}/` })
      const urlCell = el('td', '')
      urlCell.append(link)
      tr.append(el('td', p.name), urlCell, el('td', String(p.pid)), el('td', uptime(p.startedAt), { class: 'uptime', 'data-started': String(p.startedAt) }))
      return tr
    })
  )
  $('current').textContent = mesh.current ? `${mesh.current.name} (${mesh.current.url})` : '-'
}

const renderTimings = (mesh: Mesh) => {
  $('via').textContent = mesh.via
  const t = mesh.timings
  const rows = [
    ['first peer answered', ms(t.firstAnswer)],
    ['whole mesh known', ms(t.peersKnown)],
    ['live directory synced', Number.isNaN(t.directorySynced) ? 'not yet' : ms(t.directorySynced)],
    ...t.sources.map((a) => [`source ${a.via}`, `${a.ok ? 'found' : 'failed'} at ${ms(a.ms)}: ${a.detail}`]),
    ...t.failovers.map((f, i) => [`failover ${i + 1}`, ms(f)])
  ]
  $('timings').replaceChildren(...rows.map(([k, v]) => {
    const tr = el('tr', '')
    tr.append(el('th', k!), el('td', v!))
    return tr
  }))
}

const log = (text: string) => {
  const list = $('events')
  list.prepend(el('li', `${new Date().toLocaleTimeString()} ${text}`))
  while (list.children.length > 50) list.lastChild!.remove()
}

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
  return fromHash ?? sessionStorage.getItem('peer-plan-token') ?? undefined
}

const main = async () => {
  $('status').textContent = 'finding the mesh...'
  let mesh: Mesh
  try {
    mesh = await joinMesh({ ports: config.ports, host: config.host, token: takeToken() })
  } catch (err) {
    $('status').textContent = 'no peer answered'
    $('status').className = 'bad'
    if (err instanceof MeshDiscoveryError) for (const a of err.attempts) log(`${a.via}: ${a.detail}`)
    else log(String(err))
    return
  }
  ;(window as unknown as { mesh: Mesh }).mesh = mesh
  // The whole mesh is known now; the live directory attaches behind it and says so in a status event.
  $('status').textContent = mesh.status
  $('status').className = mesh.status === 'connected' ? 'ok' : 'bad'
  render(mesh)
  renderTimings(mesh)
  const rooms = new RoomsSection(mesh, $('rooms').querySelector('tbody')!, $('room-text'), $('room-name'))
  ;(window as unknown as { rooms: RoomsSection }).rooms = rooms
  rooms.render()
  mesh.on('change', () => rooms.render())
  mesh.on('change', () => render(mesh))
  mesh.on('peer-added', (p) => log(`+ ${p.name} ${p.url}`))
  mesh.on('peer-removed', (p) => log(`- ${p.name} ${p.url}`))
  mesh.on('status', (e) => {
    $('status').textContent = e.status + (e.retryInMs ? ` (retry in ${e.retryInMs} ms)` : '')
    $('status').className = e.status === 'connected' ? 'ok' : 'bad'
    log(`status ${e.status}${e.detail ? `: ${e.detail}` : ''}`)
    render(mesh)
    renderTimings(mesh)
  })
  setInterval(() => {
    for (const td of document.querySelectorAll<HTMLElement>('td.uptime')) td.textContent = uptime(Number(td.dataset.started))
  }, 1000)
}

void main()
