/// <reference types="vite/client" />
// The page: joinMesh({ devServer: true }) finds the mesh at /api/registry on this origin and reaches
// every peer through the plugin's relay. Rooms need the mesh's access token: the plugin prints this
// page's URL with `#token=...` in Vite's terminal (as a peer prints its dashboard's).
import { joinMesh, watchDevRegistry, type PeerEntry } from 'peer-plan/browser'

const $ = (id: string) => document.getElementById(id)!
const token = new URLSearchParams(location.hash.slice(1)).get('token') ?? undefined
// The token is kept for this page only; out of the address bar it cannot be copied or bookmarked.
if (token) history.replaceState(null, '', location.pathname + location.search)

const showPeers = (peers: PeerEntry[]) => $('peers').replaceChildren(...peers.map((p) => Object.assign(document.createElement('li'), { textContent: `${p.name ?? p.id} ${p.url}`, id: `peer-${p.id}` })))

// The list alone, without a Yjs doc: pushed over Vite's hot channel, or polled under `vite preview`.
watchDevRegistry((r) => ($('pushed').textContent = r.peers.map((p) => p.id).join(' ')), { hot: import.meta.hot })

try {
  const mesh = await joinMesh({ devServer: true, token })
  $('status').textContent = `found the mesh via ${mesh.via}`
  showPeers(mesh.peers)
  mesh.on('change', showPeers)
  const room = mesh.open('vite-example')
  Object.assign(window, { mesh, room })
  await room.ready
  const text = room.doc.getText('content')
  const area = $('room') as HTMLTextAreaElement
  area.value = text.toString()
  area.disabled = false
  text.observe(() => (area.value = text.toString()))
  area.addEventListener('input', () => room.doc.transact(() => (text.delete(0, text.length), text.insert(0, area.value))))
  $('status').textContent = `connected; room open on ${room.peer}`
} catch (err) {
  $('error').textContent = `${(err as Error).name}: ${(err as Error).message}`
}
