/**
 * mDNS, with real peers. Multicast only ever goes through 127.0.0.1 or through interfaces inside
 * network namespaces this file creates; nothing is sent on a real interface.
 * All mDNS tests live in this one file: port 5353 is one per machine, and the tests run in order here.
 */
import { execFileSync } from 'node:child_process'
import { createSocket, type Socket } from 'node:dgram'
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { PORTS, range } from './helpers/ports.js'
import { getJson, registryIds, report, spawnPeer, tempHome, tokenProtocols, waitFor, type PeerProc } from './helpers/peers.js'
import { tempDir } from './helpers/temp.js'
import { directoryClient } from './helpers/directory-client.js'
import { WebSocket } from 'ws'

const args = ['--ports', range(PORTS.mdns)]
const stopAll = async (peers: PeerProc[]) => {
  for (const p of peers) p.kill('SIGTERM')
  await Promise.all(peers.map((p) => p.exited))
}

/** A mesh secret for peers of different homes: they join only when they share one. */
const sharedSecret = (): string[] => {
  const file = join(tempDir(), 'shared.key')
  writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 })
  return ['--secret-file', file]
}

describe('mDNS on loopback', () => {
  it('two peers with different homes find each other through mDNS alone', async () => {
    const [homeA, homeB] = [tempHome(), tempHome()]
    const secret = sharedSecret()
    // Different homes, different port ranges: nothing but mDNS joins them.
    const a = await spawnPeer({ home: homeA, args: ['--ports', range([PORTS.mdns[0], PORTS.mdns[0] + 9]), '--mdns', 'loopback', ...secret] })
    const t0 = Date.now()
    const b = await spawnPeer({ home: homeB, args: ['--ports', range([PORTS.mdns[0] + 10, PORTS.mdns[1]]), '--mdns', 'loopback', ...secret] })
    // Other peers on this machine may answer too; these two must list each other.
    await waitFor(async () => (await registryIds(a)).includes(b.id) && (await registryIds(b)).includes(a.id), 'each to list the other', 10000)
    report('mDNS: second peer spawned -> both list each other', Date.now() - t0)
    const health = await getJson(`${b.url}/health`)
    expect(health.id).toBe(b.id)
    // A page served by A may talk to B although A's port is outside B's range: A is in B's directory.
    const fromA = await fetch(`${b.url}/registry`, { headers: { Origin: `http://127.0.0.1:${a.port}` } })
    expect(fromA.status).toBe(200)
    expect(fromA.headers.get('access-control-allow-origin')).toBe(`http://127.0.0.1:${a.port}`)
    expect((await fetch(`${b.url}/registry`, { headers: { Origin: `http://127.0.0.1:${a.port + 1}` } })).status).toBe(403)
    // A goodbye is only a hint: the leaver is gone because its probe fails, and the other stays up.
    b.kill('SIGTERM')
    expect((await b.exited).code).toBe(0)
    await waitFor(async () => !(await registryIds(a)).includes(b.id), 'the leaver to be dropped')
    await stopAll([a])
  })

  it('starts mDNS only after the ready line, so a start does not wait for it', async () => {
    const p = await spawnPeer({ home: tempHome(), args: [...args, '--mdns', 'loopback', '--log-level', 'debug'] })
    await waitFor(() => /mDNS published/.test(p.stderr()), 'the mDNS publish')
    const err = p.stderr()
    expect(err.indexOf(' ready http')).toBeGreaterThan(-1)
    expect(err.indexOf('mDNS published')).toBeGreaterThan(err.indexOf(' ready http'))
    await stopAll([p])
  })

  it('keeps working through the registry file when port 5353 is taken', async () => {
    const holder: Socket = createSocket({ type: 'udp4', reuseAddr: false })
    const bound = await new Promise<boolean>((res) => {
      holder.once('error', () => res(false))
      holder.bind(5353, '0.0.0.0', () => res(true))
    })
    expect(bound, 'could not hold port 5353 for the test').toBe(true)
    try {
      const home = tempHome()
      const peers = [await spawnPeer({ home, args: [...args, '--mdns', 'loopback'] }), await spawnPeer({ home, args: [...args, '--mdns', 'loopback'] })]
      await waitFor(async () => (await registryIds(peers[0]!)).includes(peers[1]!.id), 'the two to join through servers.json')
      for (const p of peers) {
        await waitFor(() => /mDNS \(loopback\) cannot use port 5353/.test(p.stderr()), 'one clear warning')
        expect(p.stderr().match(/mDNS \(loopback\)/g)).toHaveLength(1)
        expect(p.proc.exitCode).toBeNull()
      }
      await stopAll(peers)
    } finally {
      holder.close()
    }
  })

  it('peers of two homes with different secrets find each other but never link', async () => {
    const a = await spawnPeer({ home: tempHome(), args: [...args, '--mdns', 'loopback', '--log-level', 'debug'] })
    const b = await spawnPeer({ home: tempHome(), args: [...args, '--mdns', 'loopback', '--log-level', 'debug'] })
    // Each hears of the other over mDNS and confirms it over /health; the link is what the key guards.
    await waitFor(() => /found \S+ at http/.test(a.stderr()) || /found \S+ at http/.test(b.stderr()), 'the dialling side to find the other over mDNS')
    await waitFor(() => /link to \S+ down/.test(a.stderr()) || /link to \S+ down/.test(b.stderr()), 'a link attempt to be refused')
    expect(await registryIds(a)).not.toContain(b.id)
    expect(await registryIds(b)).not.toContain(a.id)
    await stopAll([a, b])
  })

  it('shares the port with a responder already on the machine', async () => {
    // Like avahi: SO_REUSEADDR on 5353, member of the mDNS group on loopback.
    const responder = createSocket({ type: 'udp4', reuseAddr: true })
    await new Promise<void>((res) => responder.bind(5353, '0.0.0.0', () => res()))
    responder.addMembership('224.0.0.251', '127.0.0.1')
    try {
      const secret = sharedSecret()
      const a = await spawnPeer({ home: tempHome(), args: [...args, '--mdns', 'loopback', ...secret] })
      const b = await spawnPeer({ home: tempHome(), args: [...args, '--mdns', 'loopback', ...secret] })
      await waitFor(async () => (await registryIds(a)).includes(b.id) && (await registryIds(b)).includes(a.id), 'mDNS to work beside the responder')
      await stopAll([a, b])
    } finally {
      responder.close()
    }
  })
})

// ---- A LAN of network namespaces: three hosts on one bridge, each peer with its own home ------------------
const canMakeNamespaces = (() => {
  if (process.getuid?.() !== 0) return 'not root'
  try {
    const probe = `ppprobe${process.pid}`
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'ignore' })
    execFileSync('ip', ['netns', 'del', probe], { stdio: 'ignore' })
    return null
  } catch (err) {
    return `ip netns failed: ${(err as Error).message.split('\n')[0]}`
  }
})()
if (canMakeNamespaces) process.stderr.write(`[mdns.test] SKIPPING the namespace LAN test: ${canMakeNamespaces}\n`)

describe('mDNS on a LAN of network namespaces', () => {
  // 198.18.0.0/15 is reserved for network tests (RFC 2544): it is nobody's real network.
  const NET = '198.18.77'
  const tag = `pp${process.pid % 100000}`
  const bridge = `${tag}br`
  const hosts = [1, 2, 3].map((i) => ({ ns: `${tag}h${i}`, ip: `${NET}.${i}`, veth: `${tag}v${i}`, port: `${tag}p${i}` }))
  const rootVeth = `${tag}root`
  const ip = (...a: string[]) => execFileSync('ip', a, { stdio: ['ignore', 'ignore', 'pipe'] })

  afterAll(() => {
    if (canMakeNamespaces) return
    for (const ns of [...hosts.map((h) => h.ns), bridge]) {
      try {
        ip('netns', 'del', ns)
      } catch {}
    }
    try {
      ip('link', 'del', rootVeth)
    } catch {}
  })

  it.skipIf(canMakeNamespaces !== null)('lan scope on a host with no LAN interface warns once and keeps serving', async () => {
    const lonely = `${tag}solo`
    ip('netns', 'add', lonely)
    ip('-n', lonely, 'link', 'set', 'lo', 'up')
    try {
      const home = tempHome()
      const peer = await spawnPeer({ home, wrap: ['ip', 'netns', 'exec', lonely], args: ['--ports', range(PORTS.mdnsLan), '--mdns', 'lan'] })
      expect(peer.url).toMatch(/^http:\/\/127\.0\.0\.1:/)
      await waitFor(() => /mDNS \(lan\) found no interface/.test(peer.stderr()), 'the warning')
      expect(peer.stderr().match(/mDNS \(lan\)/g)).toHaveLength(1)
      // Still a working peer: it answers inside its namespace.
      const out = execFileSync('ip', ['netns', 'exec', lonely, process.execPath, '-e', `fetch('${peer.url}/health').then(r => r.json()).then(h => console.log(h.id))`], { encoding: 'utf8' })
      expect(out.trim()).toBe(peer.id)
      peer.kill('SIGTERM')
      expect((await peer.exited).code).toBe(0)
    } finally {
      ip('netns', 'del', lonely)
    }
  })

  it.skipIf(canMakeNamespaces !== null)('peers on different hosts, in lan scope, converge on one directory', async () => {
    ip('netns', 'add', bridge)
    ip('-n', bridge, 'link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0')
    ip('-n', bridge, 'link', 'set', 'br0', 'up')
    for (const h of hosts) {
      ip('netns', 'add', h.ns)
      ip('link', 'add', h.veth, 'netns', h.ns, 'type', 'veth', 'peer', 'name', h.port, 'netns', bridge)
      ip('-n', h.ns, 'addr', 'add', `${h.ip}/24`, 'dev', h.veth)
      ip('-n', h.ns, 'link', 'set', 'lo', 'up')
      ip('-n', h.ns, 'link', 'set', h.veth, 'up')
      ip('-n', bridge, 'link', 'set', h.port, 'master', 'br0')
      ip('-n', bridge, 'link', 'set', h.port, 'up')
    }
    // One leg for this test process, to read each host's /registry. It carries no peer of its own.
    ip('link', 'add', rootVeth, 'type', 'veth', 'peer', 'name', `${tag}pr`, 'netns', bridge)
    ip('addr', 'add', `${NET}.254/24`, 'dev', rootVeth)
    ip('link', 'set', rootVeth, 'up')
    ip('-n', bridge, 'link', 'set', `${tag}pr`, 'master', 'br0')
    ip('-n', bridge, 'link', 'set', `${tag}pr`, 'up')

    const t0 = Date.now()
    const secret = sharedSecret()
    const peers = await Promise.all(
      hosts.map(async (h) => spawnPeer({ home: tempHome(), wrap: ['ip', 'netns', 'exec', h.ns], args: ['--ports', range(PORTS.mdnsLan), '--mdns', 'lan', '--name', h.ns, ...secret] }))
    )
    peers.forEach((p, i) => expect(p.url).toBe(`http://${hosts[i]!.ip}:${p.port}`))
    const ids = peers.map((p) => p.id).sort()
    await waitFor(async () => {
      const seen = await Promise.all(peers.map((p) => registryIds(p).then((r) => r.join(), () => '')))
      return seen.every((s) => s === ids.join())
    }, 'all three hosts to list all three', 15000)
    report('mDNS lan: three namespace hosts converge', Date.now() - t0)

    // Host and Origin rules hold on the LAN too.
    const res = await fetch(`${peers[0]!.url}/registry`, { headers: { Origin: 'http://evil.test' } })
    expect(res.status).toBe(403)

    // This test process, on the bridge at .254, is a LAN host without the secret: it reads the
    // directory, opens no room, and its writes to the directory are dropped.
    const room = new WebSocket(`${peers[0]!.url.replace('http', 'ws')}/plans`)
    room.on('error', () => {})
    expect(await new Promise<number>((r) => room.once('unexpected-response', (_q, res) => r(res.statusCode!)))).toBe(401)
    const stranger = await directoryClient(peers[0]!.url)
    expect([...stranger.doc.getMap('peers').keys()].sort()).toEqual(ids)
    stranger.doc.getMap('peers').set(peers[1]!.id, 'hijacked')
    await stranger.flushed()
    const witness = await directoryClient(peers[0]!.url)
    expect(typeof witness.doc.getMap('peers').get(peers[1]!.id)).toBe('object')
    for (const p of peers) expect(await registryIds(p)).toEqual(ids)

    // A LAN host with the token may create 32 rooms on a peer, and no more; another host still can.
    // (Loopback clients are this machine's own and are not charged per address.)
    ip('addr', 'add', `${NET}.253/24`, 'dev', rootVeth)
    const outcome = (room: string, localAddress: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`${peers[0]!.url.replace('http', 'ws')}/${room}`, tokenProtocols(peers[0]!), { localAddress })
        ws.on('error', () => {})
        ws.once('open', () => resolve(101))
        ws.once('unexpected-response', (_q, res) => (resolve(res.statusCode!), ws.terminate()))
        held.push(ws)
      })
    const held: WebSocket[] = []
    try {
      const first = await Promise.all(Array.from({ length: 32 }, (_, i) => outcome(`lan-cap-${i}`, `${NET}.254`)))
      expect(first.every((s) => s === 101)).toBe(true)
      expect(await outcome('lan-cap-32', `${NET}.254`)).toBe(429)
      expect(await outcome('lan-cap-other-host', `${NET}.253`)).toBe(101)
      expect((await getJson<{ id: string }>(`${peers[0]!.url}/health`)).id).toBe(peers[0]!.id)
    } finally {
      for (const ws of held) ws.terminate()
    }
    await stopAll(peers)
  })
})
