#!/usr/bin/env node
/**
 * Starts a small local mesh a person can look at: N real peer-plan-node processes (default 3) on the
 * default port range, until Ctrl-C. Usage: pnpm mesh [--peers N] [any peer-plan-node option]
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const cli = fileURLToPath(new URL('../bin/peer-plan-node.js', import.meta.url))
const args = process.argv.slice(2)
let n = 3
const i = args.indexOf('--peers')
if (i >= 0) {
  n = Number(args[i + 1])
  args.splice(i, 2)
  if (!Number.isInteger(n) || n < 1 || n > 64) {
    console.error('mesh: --peers takes a whole number from 1 to 64')
    process.exit(1)
  }
}

const children = []
let ready = 0
for (let k = 0; k < n; k++) {
  const child = spawn(process.execPath, [cli, '--name', `demo-${k + 1}`, ...args], { stdio: ['ignore', 'inherit', 'pipe'] })
  children.push(child)
  child.stderr.on('data', (d) => {
    process.stderr.write(d)
    // The dashboard URL carries the mesh's access token in its fragment: the page can then open rooms.
    const m = /ready (http:\/\/\S+).* dashboard=(\S+)/.exec(String(d))
    if (m && ++ready === 1) setTimeout(() => console.error(`\n  Open ${m[2]} to see the mesh (Ctrl-C stops all ${n} peers)\n`), 300)
  })
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`mesh: peer ${k + 1} exited (${code ?? signal}); stopping the others`)
      stop(code || 1)
    }
  })
}

let stopping = false
function stop(code = 0) {
  stopping = true
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM')
  Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.on('exit', r))))).then(() => process.exit(code))
}
process.on('SIGINT', () => stop(0))
process.on('SIGTERM', () => stop(0))
