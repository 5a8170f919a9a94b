/**
 * The files in $PEER_PLAN_HOME as hostile input: whatever is planted there, a peer either starts and
 * says what it refused (one warning), or exits 1 with one clear line. Never a hang, never a crash loop.
 */
import { execFileSync } from 'node:child_process'
import { chown, chmod, lstat, mkdir, readFile, rename, stat, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { PORTS, range } from './helpers/ports.js'
import { getJson, runCli, spawnPeer, waitFor, type PeerProc } from './helpers/peers.js'
import { tempDir } from './helpers/temp.js'

const args = ['--ports', range(PORTS.files)]
const NOBODY = 65534
const asRoot = typeof process.getuid === 'function' && process.getuid() === 0
const bootId = async () => (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim()

/** A fresh 0700 home in a temp dir removed when the test ends. */
const freshHome = async (mode = 0o700): Promise<string> => {
  const home = join(tempDir(), 'home')
  await mkdir(home)
  await chmod(home, mode)
  return home
}

/** A peer that must get ready within the deadline (a hang fails the test, not the run), killed at the end. */
const startPeer = async (home: string): Promise<PeerProc> => {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('the peer did not get ready within 20 s (hung?)')), 20000)))
  const p = await Promise.race([spawnPeer({ home, args }), deadline]).finally(() => clearTimeout(timer))
  onTestFinished(async () => {
    p.kill('SIGKILL')
    await p.exited
  })
  return p
}

const fileIds = async (home: string): Promise<string[]> => JSON.parse(await readFile(join(home, 'servers.json'), 'utf8')).peers.map((p: { id: string }) => p.id)

const entry = (hostId: string, i: number) => ({
  id: `f0e1d2c3b4a5${(0x9000 + i).toString(16)}`,
  name: `planted-${i}`,
  url: `http://127.0.0.1:${PORTS.files[1] - (i % 5)}`,
  host: '127.0.0.1',
  port: PORTS.files[1] - (i % 5),
  pid: process.pid,
  pidStart: null,
  hostId,
  version: '0.1.0',
  protocol: 1,
  startedAt: Date.now()
})

/** SIGTERM is obeyed: the peer leaves and exits 0. */
const stopsCleanly = async (p: PeerProc) => {
  p.kill('SIGTERM')
  expect(await p.exited).toEqual({ code: 0, signal: null })
}

describe('servers.json and its lock are never waited on or followed', () => {
  it('a FIFO at servers.json is replaced, at start and while running', async () => {
    const home = await freshHome()
    execFileSync('mkfifo', [join(home, 'servers.json')])
    const p = await startPeer(home)
    expect(p.stderr()).toMatch(/servers\.json: it is a FIFO, not a regular file; rewriting it\n/)
    expect((await lstat(join(home, 'servers.json'))).isFile()).toBe(true)
    expect(await fileIds(home)).toEqual([p.id])
    // Made aside and renamed in: the peer rewrites a missing servers.json at once.
    execFileSync('mkfifo', [join(home, 'fifo')])
    await rename(join(home, 'fifo'), join(home, 'servers.json'))
    await waitFor(() => p.stderr().match(/it is a FIFO, not a regular file; rewriting it/g)?.length === 2, 'the sweep to find the FIFO')
    await waitFor(async () => (await lstat(join(home, 'servers.json'))).isFile() && (await fileIds(home)).includes(p.id), 'the sweep to replace the FIFO')
    expect((await getJson(`${p.url}/health`)).ok).toBe(true)
    await stopsCleanly(p)
  })

  it.skipIf(!asRoot)('a device at servers.json (/dev/zero: endless) is never read, only replaced', async () => {
    const home = await freshHome()
    execFileSync('mknod', [join(home, 'servers.json'), 'c', '1', '5'])
    const p = await startPeer(home)
    expect(p.stderr()).toMatch(/servers\.json: it is a device, not a regular file; rewriting it\n/)
    expect(await fileIds(home)).toEqual([p.id])
    await stopsCleanly(p)
  })

  it('a directory at servers.json is moved aside and the file rewritten', async () => {
    const home = await freshHome()
    await mkdir(join(home, 'servers.json'))
    await writeFile(join(home, 'servers.json', 'keep-me'), 'data')
    const p = await startPeer(home)
    expect(p.stderr()).toMatch(/servers\.json: it is a directory, not a regular file; rewriting it \(the old one is kept as servers\.json\.corrupt\)\n/)
    expect(await readFile(join(home, 'servers.json.corrupt', 'keep-me'), 'utf8')).toBe('data')
    expect(await fileIds(home)).toEqual([p.id])
    expect((await getJson(`${p.url}/health`)).ok).toBe(true)
  })

  it('a lock that is a symlink (to a FIFO) is removed, not followed', async () => {
    const home = await freshHome()
    const fifo = join(home, '..', 'trap')
    execFileSync('mkfifo', [fifo])
    await symlink(fifo, join(home, 'servers.json.lock'))
    const p = await startPeer(home)
    expect(p.stderr()).toMatch(/servers\.json\.lock is a symlink \(not followed\): not a lock file; removed it\n/)
    expect((await lstat(fifo)).isFIFO()).toBe(true)
    expect(await fileIds(home)).toEqual([p.id])
    await stopsCleanly(p)
  })

  it('a servers.json of 47 MB is not read: it is moved aside and rewritten', async () => {
    const home = await freshHome()
    const host = 'another-machine'
    const peers = Array.from({ length: Math.ceil((47 * 1048576) / JSON.stringify(entry(host, 0)).length) }, (_, i) => entry(host, i))
    await writeFile(join(home, 'servers.json'), JSON.stringify({ peers }), { mode: 0o600 })
    const size = (await stat(join(home, 'servers.json'))).size
    expect(size).toBeGreaterThan(47 * 1048576)
    const p = await startPeer(home)
    expect(p.stderr()).toMatch(/servers\.json: it is 4\d\.\d MiB, over the 4\.0 MiB cap; rewriting it \(the old one is kept as servers\.json\.corrupt\)\n/)
    expect(await fileIds(home)).toEqual([p.id])
    expect((await stat(join(home, 'servers.json.corrupt'))).size).toBe(size)
  })
})

describe('servers.json is per machine', () => {
  it("prunes entries of another machine (another hostId), keeping this machine's", async () => {
    const home = await freshHome()
    const planted = [entry('another-machine', 1), entry('another-machine', 2), entry('yet-another', 3)]
    await writeFile(join(home, 'servers.json'), JSON.stringify({ peers: planted }), { mode: 0o600 })
    const p = await startPeer(home)
    await waitFor(async () => JSON.stringify(await fileIds(home)) === JSON.stringify([p.id]), 'the foreign entries to be pruned')
    expect(p.stderr()).toMatch(/pruning 3 entries of another machine or boot from servers\.json/)
    const q = await startPeer(home)
    await waitFor(async () => JSON.stringify((await fileIds(home)).sort()) === JSON.stringify([p.id, q.id].sort()), "both of this machine's peers kept")
    expect((await getJson(`${p.url}/registry`)).peers.map((e: { name: string }) => e.name)).not.toContain('planted-1')
  })

  it('keeps an entry of this machine whose process is alive', async () => {
    const home = await freshHome()
    const mine = entry(await bootId(), 4)
    await writeFile(join(home, 'servers.json'), JSON.stringify({ peers: [mine] }), { mode: 0o600 })
    const p = await startPeer(home)
    await waitFor(async () => (await fileIds(home)).includes(p.id), 'the peer in the file')
    expect(await fileIds(home)).toContain(mine.id)
  })
})

describe('the home and its files belong to this user', () => {
  it('a 0777 home is tightened to 0700 with one warning naming both modes', async () => {
    const home = await freshHome(0o777)
    const p = await startPeer(home)
    expect((await stat(home)).mode & 0o777).toBe(0o700)
    const lines = p.stderr().split('\n').filter((l) => l.includes('had mode'))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/warn: home \S+ had mode 0777, open to other users; changed it to 0700/)
  })

  it.skipIf(!asRoot)("another user's servers.json is not read: moved aside and rewritten", async () => {
    const home = await freshHome()
    const planted = entry(await bootId(), 5)
    await writeFile(join(home, 'servers.json'), JSON.stringify({ peers: [planted] }), { mode: 0o644 })
    await chown(join(home, 'servers.json'), NOBODY, NOBODY)
    const p = await startPeer(home)
    expect(p.stderr()).toMatch(new RegExp(`servers\\.json: it belongs to uid ${NOBODY}, not to this user \\(uid 0\\); rewriting it \\(the old one is kept as servers\\.json\\.corrupt\\)\\n`))
    expect(await fileIds(home)).toEqual([p.id])
    expect((await stat(join(home, 'servers.json'))).uid).toBe(0)
    expect((await stat(join(home, 'servers.json.corrupt'))).uid).toBe(NOBODY)
  })

  it.skipIf(!asRoot)("another user's lock is removed with a warning", async () => {
    const home = await freshHome()
    await writeFile(join(home, 'servers.json.lock'), JSON.stringify({ pid: process.pid, pidStart: null, hostId: await bootId(), token: 'planted' }))
    await chown(join(home, 'servers.json.lock'), NOBODY, NOBODY)
    const p = await startPeer(home)
    expect(p.stderr()).toMatch(new RegExp(`servers\\.json\\.lock belongs to uid ${NOBODY}, not to this user \\(uid 0\\): not a lock file; removed it\\n`))
    expect(await fileIds(home)).toEqual([p.id])
  })

  it.skipIf(!asRoot)("another user's config.json is refused: exit 1, one line", async () => {
    const home = await freshHome()
    await writeFile(join(home, 'config.json'), JSON.stringify({ name: 'planted' }))
    await chown(join(home, 'config.json'), NOBODY, NOBODY)
    const r = await runCli([...args], { home, timeoutMs: 15000 })
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(`peer-plan-node: error: config file ${join(home, 'config.json')} belongs to uid ${NOBODY}, not to this user (uid 0); refusing it\n`)
  })

  it.skipIf(!asRoot)('a home owned by another user is refused: exit 1, one line', async () => {
    const home = await freshHome()
    await chown(home, NOBODY, NOBODY)
    const r = await runCli([...args], { home, timeoutMs: 15000 })
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(`peer-plan-node: error: home ${home} belongs to uid ${NOBODY}, not to this user (uid 0); refusing it\n`)
  })

  it('a FIFO at config.json is refused at once: exit 1, one line', async () => {
    const home = await freshHome()
    execFileSync('mkfifo', [join(home, 'config.json')])
    const r = await runCli([...args], { home, timeoutMs: 15000 })
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(`peer-plan-node: error: config file ${join(home, 'config.json')} is a FIFO, not a regular file; refusing it\n`)
  })
})
