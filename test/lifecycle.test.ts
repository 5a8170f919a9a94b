/**
 * The ways a peer ends, and the leaks issue #8 found: every way out leaves the directory and
 * servers.json, and a failed handshake never holds a room slot.
 */
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { join, resolve } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { WebSocket } from 'ws'
import { PORTS, range } from './helpers/ports.js'
import { allSee, registryIds, runCli, spawnPeer, tempHome, tokenProtocols, waitFor } from './helpers/peers.js'

const args = ['--ports', range(PORTS.lifecycle)]

const listed = async (home: string): Promise<string[]> => {
  const text = await readFile(join(home, 'servers.json'), 'utf8').catch(() => '{"peers":[]}')
  return (JSON.parse(text) as { peers: { id: string }[] }).peers.map((p) => p.id)
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** A raw upgrade request with a bad Sec-WebSocket-Version: ws answers 400 and the handshake fails. */
const badHandshake = (port: number, room: string, token: string): Promise<string> =>
  new Promise((resolveAnswer, reject) => {
    const s = connect(port, '127.0.0.1')
    let answer = ''
    s.on('data', (d) => (answer += d))
    s.on('error', reject)
    s.on('close', () => resolveAnswer(answer.split('\r\n')[0] ?? ''))
    s.write(`GET /${room} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 99\r\nAuthorization: Bearer ${token}\r\n\r\n`)
  })

describe('lifecycle', () => {
  it('a failed handshake holds no room slot (70 of them, then a new room still opens)', async () => {
    const peer = await spawnPeer({ home: tempHome(), args })
    for (let i = 0; i < 70; i++) expect(await badHandshake(peer.port, `leak-${i}`, peer.token)).toMatch(/^HTTP\/1\.1 400/)
    const ws = new WebSocket(`${peer.url.replace('http', 'ws')}/after-the-flood`, tokenProtocols(peer))
    onTestFinished(() => ws.terminate())
    await new Promise((ok, fail) => (ws.once('open', ok), ws.once('unexpected-response', (_req, res) => fail(new Error(`answered ${res.statusCode}`)))))
  })

  it('SIGINT to the whole process group (Ctrl-C on pnpm mesh) leaves servers.json empty and no process behind', async () => {
    const home = tempHome()
    const script = resolve(import.meta.dirname, '../scripts/mesh.mjs')
    const mesh = spawn(process.execPath, [script, '--peers', '3', '--ports', range(PORTS.meshScript), '--no-mdns'], {
      env: { ...process.env, PEER_PLAN_HOME: home },
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true
    })
    onTestFinished(() => {
      try {
        process.kill(-mesh.pid!, 'SIGKILL')
      } catch {}
    })
    let err = ''
    mesh.stderr!.on('data', (d) => (err += d))
    const exited = new Promise<number | null>((r) => mesh.on('exit', (code) => r(code)))
    await waitFor(() => (err.match(/ ready http/g)?.length ?? 0) === 3, 'three ready lines')
    await waitFor(async () => (await listed(home)).length === 3, 'three entries in servers.json')
    const pids = (JSON.parse(await readFile(join(home, 'servers.json'), 'utf8')) as { peers: { pid: number }[] }).peers.map((p) => p.pid)
    // As a terminal does: every process of the group gets the signal, the peers straight from the
    // terminal and again (SIGTERM) from the script.
    process.kill(-mesh.pid!, 'SIGINT')
    expect(await exited).toBe(0)
    await waitFor(() => pids.every((pid) => !alive(pid)), 'every peer process to exit')
    expect(await listed(home)).toEqual([])
    expect(err).not.toMatch(/exiting anyway/)
  })

  it('a peer whose stderr reader has gone (EPIPE) leaves the mesh and servers.json, then exits', async () => {
    const home = tempHome()
    const stays = await spawnPeer({ home, args })
    const orphan = await spawnPeer({ home, args: [...args, '--log-level', 'debug'] })
    await waitFor(() => allSee([stays, orphan], [stays.id, orphan.id]), 'the pair to see each other')
    orphan.proc.stderr!.destroy()
    // Something for the orphan to log about: a third peer joining.
    const third = await spawnPeer({ home, args })
    await orphan.exited
    await waitFor(async () => (await registryIds(stays)).join() === [stays.id, third.id].sort().join(), 'the orphan gone from the directory')
    expect(await listed(home)).not.toContain(orphan.id)
  })

  it('a home that cannot be created is one clear error, exit 1', async () => {
    const r = await runCli(['--home', '/proc/peer-plan-nope', '--no-mdns'], { home: tempHome() })
    expect(r.code).toBe(1)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/cannot create the home directory \/proc\/peer-plan-nope/)
  })
})
