import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PORTS, range } from './helpers/ports.js'
import { allSee, getJson, runCli, spawnPeer, tempHome, waitFor } from './helpers/peers.js'
import { tempDir } from './helpers/temp.js'

const oneLineError = (r: { code: number | null; stdout: string; stderr: string }) => {
  expect(r.code).toBe(1)
  expect(r.stdout).toBe('')
  const lines = r.stderr.trim().split('\n')
  expect(lines).toHaveLength(1)
  expect(lines[0]).toMatch(/^peer-plan-node: error: /)
  return lines[0]!
}

describe('peer-plan-node CLI', () => {
  it('--help and --version exit 0', async () => {
    const home = tempHome()
    const help = await runCli(['--help'], { home })
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/--ports A-B/)
    const version = await runCli(['--version'], { home })
    expect(version.code).toBe(0)
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/)
  })

  it('an older Node than engines allows is refused with one line', async () => {
    const home = tempHome()
    // Node 20.10 is not at hand in CI: the process is told it is 20.10 before the CLI's first line runs.
    const pretend = join(tempDir(), 'pretend-node-20.10.mjs')
    await writeFile(pretend, "Object.defineProperty(process, 'versions', { value: { ...process.versions, node: '20.10.0' } })\nObject.defineProperty(process, 'version', { value: 'v20.10.0' })\n")
    const r = await runCli(['--version'], { home, env: { NODE_OPTIONS: `--import ${pretend}` } })
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr.trim()).toBe('peer-plan-node: needs Node 20.15 or later; this is v20.10.0')
  })

  it('a peer with no agent and mDNS off loads no zod, no MCP SDK and no mDNS code', async () => {
    const home = tempHome()
    const dir = tempDir()
    const loaded = join(dir, 'loaded.txt')
    // Node's module hooks see every ESM file the process loads, dynamic imports too.
    const hooks = `import { appendFileSync } from 'node:fs'\nexport async function load(url, context, next) { appendFileSync(${JSON.stringify(loaded)}, url + '\\n'); return next(url, context) }\n`
    const register = join(dir, 'register.mjs')
    await writeFile(register, `import { register } from 'node:module'\nregister(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)})\n`)
    await spawnPeer({ home, args: ['--ports', range(PORTS.cli)], env: { NODE_OPTIONS: `--import ${register}` } })
    const files = (await readFile(loaded, 'utf8')).split('\n').filter((u) => u.includes('/dist/cli/'))
    expect(files.length).toBeGreaterThan(3)
    for (const url of files) {
      expect(url).not.toMatch(/\/(session-open|mdns|inbox-schema)-/)
      // zod's core marks each schema instance with _zod; none of its code is in what was loaded.
      expect(await readFile(new URL(url), 'utf8'), url).not.toContain('_zod')
    }
  })

  it.each([
    [['--port', 'abc'], /--port: expected a port number/],
    [['--port', '70000'], /--port: port 70000 is out of range/],
    [['--ports', '1300-1200'], /--ports: range 1300-1200 is empty/],
    [['--ports', 'x'], /--ports: expected a range like 1234-1244/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['--host', '8.8.8.8'], /--host: 8.8.8.8 is not a loopback address/],
    [['--allow-origin', 'null'], /--allow-origin: "null"/],
    [['--allow-origin', 'http://x.test/path'], /not a bare origin/],
    [['--log-level', 'loud'], /--log-level: expected one of error\|warn\|info\|debug/],
    [['--mdns', 'everywhere'], /--mdns: expected one of off\|loopback\|lan/],
    [['--config', '/nonexistent/peer-plan.json'], /config file \/nonexistent\/peer-plan.json/]
  ])('rejects %j with one clear line', async (args, message) => {
    const home = tempHome()
    expect(oneLineError(await runCli(args, { home }))).toMatch(message)
  })

  it('rejects bad environment values and bad config files, naming the source', async () => {
    const home = tempHome()
    expect(oneLineError(await runCli([], { home, env: { PEER_PLAN_PORTS: '5-1' } }))).toMatch(/PEER_PLAN_PORTS/)
    await mkdir(home, { recursive: true })
    await writeFile(join(home, 'config.json'), '{"port": ')
    expect(oneLineError(await runCli([], { home }))).toMatch(/config\.json: invalid JSON/)
    await writeFile(join(home, 'config.json'), '{"colour": "blue"}')
    expect(oneLineError(await runCli([], { home }))).toMatch(/colour/)
  })

  it('a config file too deep or too long to print is still one short line naming the file and the problem', async () => {
    const home = tempHome()
    const file = join(home, 'config.json')
    await mkdir(home, { recursive: true })
    const deep = '['.repeat(20000) + ']'.repeat(20000)
    const cases: [string, string, RegExp][] = [
      [deep, `config file ${file}`, /expected an object of settings, like .*, got \[{40,}…$/],
      [`{"port": ${deep}}`, `config file ${file}`, /port: expected a port number, got \[{40,}…$/],
      [JSON.stringify({ host: 'x'.repeat(500000) }), 'config file key "host"', /expected an IP address or localhost, got "x{40,}…$/]
    ]
    for (const [text, where, problem] of cases) {
      await writeFile(file, text)
      const line = oneLineError(await runCli([], { home }))
      expect(line).toContain(where)
      expect(line).toMatch(problem)
      expect(line.length).toBeLessThan(file.length + 200)
    }
  })

  it('takes options from CLI over env over config file over defaults', async () => {
    const home = tempHome()
    await mkdir(home, { recursive: true })
    await writeFile(join(home, 'config.json'), JSON.stringify({ name: 'from-file', ports: range(PORTS.cli), logLevel: 'debug' }))
    const fromFile = await spawnPeer({ home })
    const fromEnv = await spawnPeer({ home, env: { PEER_PLAN_NAME: 'from-env' } })
    const fromCli = await spawnPeer({ home, env: { PEER_PLAN_NAME: 'from-env' }, args: ['--name', 'from-cli'] })
    expect((await getJson(`${fromFile.url}/health`)).name).toBe('from-file')
    expect((await getJson(`${fromEnv.url}/health`)).name).toBe('from-env')
    expect((await getJson(`${fromCli.url}/health`)).name).toBe('from-cli')
    for (const p of [fromFile, fromEnv, fromCli]) {
      expect(p.port).toBeGreaterThanOrEqual(PORTS.cli[0])
      expect(p.port).toBeLessThanOrEqual(PORTS.cli[1])
      expect(p.stderr()).toMatch(/ debug: /)
      p.kill('SIGTERM')
      expect((await p.exited).code).toBe(0)
      expect(p.stdout()).toBe('')
    }
  })

  it('--port: a taken port is a clear error', async () => {
    const home = tempHome()
    const first = await spawnPeer({ home, args: ['--port', String(PORTS.cli[1])] })
    expect(first.port).toBe(PORTS.cli[1])
    const line = oneLineError(await runCli(['--port', String(PORTS.cli[1])], { home }))
    expect(line).toMatch(new RegExp(`port ${PORTS.cli[1]} on 127.0.0.1 is already in use`))
  })

  it('a full range still starts the peer, outside the range, and says so', async () => {
    const home = tempHome()
    const a = await spawnPeer({ home, args: ['--ports', range(PORTS.cliFull)] })
    const b = await spawnPeer({ home, args: ['--ports', range(PORTS.cliFull)] })
    expect([a.port, b.port].sort()).toEqual([...PORTS.cliFull])
    const c = await spawnPeer({ home, args: ['--ports', range(PORTS.cliFull)] })
    expect(c.port < PORTS.cliFull[0] || c.port > PORTS.cliFull[1]).toBe(true)
    expect(c.stderr()).toMatch(new RegExp(`ports ${range(PORTS.cliFull)} are all taken; serving on ${c.url}`))
    await waitFor(() => allSee([a, b, c], [a.id, b.id, c.id]), 'the overflow peer to be in every directory')
  })
})
