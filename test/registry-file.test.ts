import { spawn } from 'node:child_process'
import { lstat, mkdir, readdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PORTS, range } from './helpers/ports.js'
import { allSee, report, spawnPeer, tempHome, waitFor } from './helpers/peers.js'

const args = ['--ports', range(PORTS.registry)]
const readFileIds = async (home: string) => {
  try {
    return (JSON.parse(await readFile(join(home, 'servers.json'), 'utf8')) as { peers: { id: string }[] }).peers.map((p) => p.id).sort()
  } catch {
    return null
  }
}

/** A pid that certainly belonged to a process that is now dead. */
const deadPid = async (): Promise<number> => {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' })
  await new Promise((r) => child.on('exit', r))
  return child.pid!
}

const fakeEntry = (pid: number, port: number, pidStart: number | null = null) => ({
  id: `fake${pid}x${port}`,
  name: 'ghost',
  url: `http://127.0.0.1:${port}`,
  host: '127.0.0.1',
  port,
  pid,
  pidStart,
  hostId: 'will-be-replaced',
  version: '0.0.0',
  protocol: 1,
  startedAt: Date.now()
})

describe('servers.json', () => {
  it('is 0600 in a 0700 directory', async () => {
    const home = tempHome()
    await spawnPeer({ home, args })
    expect((await stat(home)).mode & 0o777).toBe(0o700)
    expect((await stat(join(home, 'servers.json'))).mode & 0o777).toBe(0o600)
  })

  it('is recovered when corrupt or empty, with every live peer put back', async () => {
    const home = tempHome()
    const peers = await Promise.all([spawnPeer({ home, args }), spawnPeer({ home, args })])
    const ids = peers.map((p) => p.id).sort()
    await waitFor(async () => JSON.stringify(await readFileIds(home)) === JSON.stringify(ids), 'both peers in the file')
    for (const garbage of ['{"peers": [ {"id": tru', '', '[1,2,3]']) {
      const t0 = Date.now()
      await writeFile(join(home, 'servers.json'), garbage)
      await waitFor(async () => JSON.stringify(await readFileIds(home)) === JSON.stringify(ids), `recovery from ${JSON.stringify(garbage)}`)
      report(`registry file recovered from ${JSON.stringify(garbage.slice(0, 12))}`, Date.now() - t0)
    }
    // Each bad file is kept, the newest as servers.json.corrupt and the ones before it below.
    expect(await readFile(join(home, 'servers.json.corrupt'), 'utf8')).toBe('[1,2,3]')
    expect(await readFile(join(home, 'servers.json.corrupt.1'), 'utf8')).toBe('')
    expect(await readFile(join(home, 'servers.json.corrupt.2'), 'utf8')).toBe('{"peers": [ {"id": tru')
    // A fourth: the oldest goes, three are kept.
    await writeFile(join(home, 'servers.json'), 'fourth')
    await waitFor(async () => (await readFile(join(home, 'servers.json.corrupt'), 'utf8').catch(() => '')) === 'fourth', 'the fourth bad file kept')
    expect(await readFile(join(home, 'servers.json.corrupt.2'), 'utf8')).toBe('')
    expect((await readdir(home)).filter((f) => f.startsWith('servers.json.corrupt')).sort()).toEqual(['servers.json.corrupt', 'servers.json.corrupt.1', 'servers.json.corrupt.2'])
    await waitFor(() => allSee(peers, ids), 'the directory to be untouched')
  })

  it('drops invalid entries but keeps the valid ones', async () => {
    const home = tempHome()
    const a = await spawnPeer({ home, args })
    const current = JSON.parse(await readFile(join(home, 'servers.json'), 'utf8'))
    current.peers.push({ id: 'x', evil: true }, 'not an entry')
    await writeFile(join(home, 'servers.json'), JSON.stringify(current))
    await waitFor(async () => {
      const raw = JSON.parse(await readFile(join(home, 'servers.json'), 'utf8'))
      return raw.peers.length === 1 && raw.peers[0].id === a.id
    }, 'invalid entries to be dropped')
  })

  it('prunes entries of dead processes, and of reused pids', async () => {
    const home = tempHome()
    const a = await spawnPeer({ home, args })
    const self = JSON.parse(await readFile(join(home, 'servers.json'), 'utf8')).peers[0]
    // A dead pid, and a live pid (ours) whose recorded start time is not its own: a reused pid.
    const ghosts = [
      { ...fakeEntry(await deadPid(), PORTS.registry[1]), hostId: self.hostId },
      { ...fakeEntry(process.pid, PORTS.registry[1] - 1, 1), hostId: self.hostId }
    ]
    const t0 = Date.now()
    await writeFile(join(home, 'servers.json'), JSON.stringify({ peers: [self, ...ghosts] }))
    await waitFor(async () => JSON.stringify(await readFileIds(home)) === JSON.stringify([a.id]), 'the ghosts to be pruned')
    report('prune of dead and reused-pid entries', Date.now() - t0)
  })

  it('a lock left by a killed writer does not block the others', async () => {
    const home = tempHome()
    await mkdir(home, { recursive: true, mode: 0o700 })
    const pid = await deadPid()
    await writeFile(join(home, 'servers.json.lock'), JSON.stringify({ pid, pidStart: null, hostId: (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim(), token: 'killed' }), { mode: 0o600 })
    const t0 = Date.now()
    const a = await spawnPeer({ home, args })
    report('start with a dead writer\'s lock in place', Date.now() - t0)
    expect(await readFileIds(home)).toEqual([a.id])
    await expect(lstat(join(home, 'servers.json.lock'))).rejects.toThrow(/ENOENT/)
  })

  it('a lock a killed breaker left aside is removed by the next peer to start', async () => {
    const home = tempHome()
    await mkdir(home, { recursive: true, mode: 0o700 })
    const leftover = join(home, 'servers.json.lock.0123456789ab.stale')
    await writeFile(leftover, JSON.stringify({ pid: await deadPid(), pidStart: null, hostId: 'x', token: 'broken' }), { mode: 0o600 })
    // Only a leftover some seconds old is surely no live breaker's: wait until this one is (by ctime, as the rename sets it).
    await waitFor(async () => Date.now() - (await lstat(leftover)).ctimeMs > 5000, 'the leftover to age', 15000, 100)
    await spawnPeer({ home, args })
    expect((await readdir(home)).filter((n) => n.endsWith('.stale'))).toEqual([])
  })

  it('never follows a symlink at servers.json', async () => {
    const home = tempHome()
    await mkdir(home, { recursive: true, mode: 0o700 })
    const target = join(home, '..', 'elsewhere.json')
    await writeFile(target, 'precious')
    await symlink(target, join(home, 'servers.json'))
    const a = await spawnPeer({ home, args })
    expect(await readFile(target, 'utf8')).toBe('precious')
    expect((await lstat(join(home, 'servers.json'))).isSymbolicLink()).toBe(false)
    expect(await readFileIds(home)).toEqual([a.id])
    await expect(readlink(join(home, 'servers.json'))).rejects.toThrow()
  })

  it('refuses a home directory that is a symlink', async () => {
    const base = tempHome()
    await mkdir(join(base, '..', 'real'), { recursive: true })
    await symlink(join(base, '..', 'real'), base)
    const err = await spawnPeer({ home: base, args }).then(() => null, (e: Error) => e)
    expect(err?.message).toMatch(/is not a directory \(symlinks are refused\)/)
  })
})
