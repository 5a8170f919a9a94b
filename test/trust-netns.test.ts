/**
 * Nothing off loopback is ever dialled in loopback scope. A peer runs in a network namespace made here,
 * with a veth to a second namespace that plays a host on another network (198.18.78.0/24, RFC 2544);
 * servers.json names a "peer" there. A listener on that host counts every connection it is offered.
 */
import { execFileSync, spawn } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { machineId, selfIdentity } from '../src/node/process-identity.js'
import { PORTS, range } from './helpers/ports.js'
import { spawnPeer, tempHome, waitFor } from './helpers/peers.js'

const canMakeNamespaces = (() => {
  if (process.getuid?.() !== 0) return 'not root'
  try {
    execFileSync('ip', ['netns', 'add', `ppcheck${process.pid}`], { stdio: 'ignore' })
    execFileSync('ip', ['netns', 'del', `ppcheck${process.pid}`], { stdio: 'ignore' })
    return null
  } catch (err) {
    return (err as Error).message.split('\n')[0]!
  }
})()
if (canMakeNamespaces) process.stderr.write(`[trust-netns.test] SKIPPING: ${canMakeNamespaces}\n`)

const ip = (...a: string[]) => execFileSync('ip', a, { stdio: ['ignore', 'ignore', 'pipe'] })

describe('loopback scope', () => {
  it.skipIf(canMakeNamespaces !== null)('never dials a servers.json hint off loopback', async () => {
    const tag = `pt${process.pid % 100000}`
    const [near, far] = [`${tag}near`, `${tag}far`]
    onTestFinished(() => {
      for (const ns of [near, far]) {
        try {
          ip('netns', 'del', ns)
        } catch {}
      }
    })
    ip('netns', 'add', near)
    ip('netns', 'add', far)
    ip('link', 'add', `${tag}a`, 'netns', near, 'type', 'veth', 'peer', 'name', `${tag}b`, 'netns', far)
    ip('-n', near, 'addr', 'add', '198.18.78.1/24', 'dev', `${tag}a`)
    ip('-n', far, 'addr', 'add', '198.18.78.2/24', 'dev', `${tag}b`)
    for (const [ns, dev] of [[near, `${tag}a`], [far, `${tag}b`]] as const) {
      ip('-n', ns, 'link', 'set', 'lo', 'up')
      ip('-n', ns, 'link', 'set', dev, 'up')
    }
    // The far host: a TCP listener that prints a line for every connection.
    const listener = spawn('ip', ['netns', 'exec', far, process.execPath, '-e', "require('net').createServer((s) => { console.log('connection'); s.destroy() }).listen(4321, '198.18.78.2', () => console.log('listening'))"], { stdio: ['ignore', 'pipe', 'inherit'] })
    onTestFinished(() => void listener.kill('SIGKILL'))
    let heard = ''
    listener.stdout!.on('data', (d) => (heard += d))
    await waitFor(() => heard.includes('listening'), 'the far listener')
    // Check the route works: a client in the near namespace does reach it.
    execFileSync('ip', ['netns', 'exec', near, process.execPath, '-e', "require('net').connect(4321, '198.18.78.2').on('connect', function () { this.destroy() })"])
    await waitFor(() => heard.split('connection').length - 1 === 1, 'the route check to arrive')

    const home = tempHome()
    mkdirSync(home, { recursive: true, mode: 0o700 })
    const fake = { id: 'far00001', name: 'elsewhere', url: 'http://198.18.78.2:4321', host: '198.18.78.2', port: 4321, ...selfIdentity(), hostId: machineId(), version: '0.1.0', protocol: 1, startedAt: Date.now() }
    writeFileSync(join(home, 'servers.json'), JSON.stringify({ peers: [fake] }), { mode: 0o600 })
    const peer = await spawnPeer({ home, wrap: ['ip', 'netns', 'exec', near], args: ['--ports', range(PORTS.trustNetns), '--log-level', 'debug'] })
    // Two sweeps that saw the hint and left it alone.
    await waitFor(() => (peer.stderr().match(/ignoring http:\/\/198\.18\.78\.2:4321, outside loopback scope/g)?.length ?? 0) >= 2, 'two sweeps past the hint')
    expect(heard.split('connection').length - 1).toBe(1)
    expect(JSON.parse(readFileSync(join(home, 'servers.json'), 'utf8')).peers.map((p: { id: string }) => p.id)).toContain(peer.id)
  })
})
