/**
 * Nothing off loopback is ever dialled in loopback scope. A peer runs in a network namespace made here,
 * with a veth to a second namespace that plays a host on another network (198.18.78.0/24, RFC 2544);
 * servers.json, or a directory entry a key holder writes, names a "peer" there. A listener on that host
 * counts every connection it is offered.
 */
import { execFileSync, spawn } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { Duplex } from 'node:stream'
import { describe, expect, it, onTestFinished } from 'vitest'
import { machineId, selfIdentity } from '../src/node/process-identity.js'
import { directoryClient } from './helpers/directory-client.js'
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

/** Makes the two namespaces and the far listener; `connections()` counts what the listener was offered. */
const farHost = async () => {
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
  const connections = () => heard.split('connection').length - 1
  // Check the route works: a client in the near namespace does reach it.
  execFileSync('ip', ['netns', 'exec', near, process.execPath, '-e', "require('net').connect(4321, '198.18.78.2').on('connect', function () { this.destroy() })"])
  await waitFor(() => connections() === 1, 'the route check to arrive')
  return { near, connections }
}

/** A TCP connection to 127.0.0.1:port inside namespace `ns`, carried over a child's stdio. */
const connectInside = (ns: string, port: number): Duplex => {
  const pipe = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', `const s = require('net').connect(${port}, '127.0.0.1'); process.stdin.pipe(s); s.pipe(process.stdout); s.on('close', () => process.exit(0))`], { stdio: ['pipe', 'pipe', 'inherit'] })
  onTestFinished(() => void pipe.kill('SIGKILL'))
  return Duplex.from({ readable: pipe.stdout!, writable: pipe.stdin! })
}

/** The peer ids a peer inside namespace `ns` lists in /registry. */
const registryInside = (ns: string, port: number) =>
  new Promise<string[]>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/registry', createConnection: () => connectInside(ns, port) as never }, (res) => {
      let body = ''
      res.on('data', (d) => (body += d))
      res.on('end', () => resolve((JSON.parse(body) as { peers: { id: string }[] }).peers.map((p) => p.id)))
    })
    req.on('error', reject)
    req.end()
  })

const fakePeer = (id: string) => ({ id, name: 'elsewhere', url: 'http://198.18.78.2:4321', host: '198.18.78.2', port: 4321, ...selfIdentity(), hostId: machineId(), version: '0.1.0', protocol: 1, startedAt: Date.now() })

describe('loopback scope', () => {
  it.skipIf(canMakeNamespaces !== null)('never dials a servers.json hint off loopback', async () => {
    const { near, connections } = await farHost()
    const home = tempHome()
    mkdirSync(home, { recursive: true, mode: 0o700 })
    writeFileSync(join(home, 'servers.json'), JSON.stringify({ peers: [fakePeer('far00001')] }), { mode: 0o600 })
    const peer = await spawnPeer({ home, wrap: ['ip', 'netns', 'exec', near], args: ['--ports', range(PORTS.trustNetns), '--log-level', 'debug'] })
    // Two sweeps that saw the hint and left it alone.
    await waitFor(() => (peer.stderr().match(/ignoring http:\/\/198\.18\.78\.2:4321, outside loopback scope/g)?.length ?? 0) >= 2, 'two sweeps past the hint')
    expect(connections()).toBe(1)
    expect(JSON.parse(readFileSync(join(home, 'servers.json'), 'utf8')).peers.map((p: { id: string }) => p.id)).toContain(peer.id)
  })

  it.skipIf(canMakeNamespaces !== null)('never dials a directory entry off loopback, even one a key holder writes', async () => {
    const { near, connections } = await farHost()
    const home = tempHome()
    const args = ['--ports', range(PORTS.trustNetns), '--log-level', 'debug']
    const peer = await spawnPeer({ home, wrap: ['ip', 'netns', 'exec', near], args })
    const key = Buffer.from(readFileSync(join(home, 'mesh.key'), 'utf8').trim(), 'hex')
    // The key holder's socket starts inside the namespace, as a local process there would.
    const insider = await directoryClient(peer.url, { key, selfId: 'insider9', targetId: peer.id }, () => connectInside(near, peer.port))
    insider.doc.getMap('peers').set('far00002', fakePeer('far00002'))
    await insider.flushed()
    await waitFor(() => /removing "far00002": url http:\/\/198\.18\.78\.2:4321 is outside loopback scope/.test(peer.stderr()), 'the entry to be removed')
    // A second peer in the namespace joins: the dialler of each has run since the entry was written.
    const second = await spawnPeer({ home, wrap: ['ip', 'netns', 'exec', near], args })
    const lists = async (p: { port: number }, id: string) => (await registryInside(near, p.port)).includes(id)
    await waitFor(async () => (await lists(peer, second.id)) && (await lists(second, peer.id)), 'the two peers to link')
    expect(connections()).toBe(1)
    expect(peer.stderr()).not.toMatch(/198\.18\.78\.2:4321 did not confirm|dial.*198\.18\.78\.2/)
  })
})
