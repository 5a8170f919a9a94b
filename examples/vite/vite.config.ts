// A Vite app on the local mesh: peerPlan() serves /api/registry on this origin and relays the peers,
// so they need no --allow-origin for this page. It finds the peers as peer-plan-node does:
// PEER_PLAN_HOME (servers.json) and PEER_PLAN_PORTS (default 1234-1244), or peerPlan({ home, ports }).
import { defineConfig } from 'vite'
import { peerPlan } from 'peer-plan/vite'

export default defineConfig({
  root: import.meta.dirname,
  plugins: [peerPlan()]
})
