import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, resolveConfig, type PeerConfig } from '../../src/node/config.js'
import { tempDir } from '../helpers/temp.js'

const run = (argv: string[], env: Record<string, string> = {}, home = tempDir()): PeerConfig => {
  const r = resolveConfig(argv, { PEER_PLAN_HOME: home, ...env }, '/nonexistent-user-home')
  if (r.kind !== 'run') throw new Error(r.kind)
  return r.config
}

describe('resolveConfig', () => {
  it('has safe defaults', () => {
    const c = run([])
    expect(c).toMatchObject({ port: null, ports: [1234, 1244], host: '127.0.0.1', name: null, allowOrigins: [], mdns: 'loopback', logLevel: 'info', roomIdleMs: 60000 })
  })

  it('--room-idle is seconds, decimals allowed, from the CLI, the env or the file', () => {
    const home = tempDir()
    writeFileSync(join(home, 'config.json'), JSON.stringify({ roomIdle: 5 }))
    expect(run([], {}, home).roomIdleMs).toBe(5000)
    expect(run([], { PEER_PLAN_ROOM_IDLE: '0.5' }, home).roomIdleMs).toBe(500)
    expect(run(['--room-idle', '120'], { PEER_PLAN_ROOM_IDLE: '0.5' }, home).roomIdleMs).toBe(120000)
  })

  it('CLI > env > file > default, key by key', () => {
    const home = tempDir()
    writeFileSync(join(home, 'config.json'), JSON.stringify({ ports: [2000, 2010], name: 'file', logLevel: 'warn', allowOrigins: ['http://file.test'] }))
    expect(run([], {}, home)).toMatchObject({ ports: [2000, 2010], name: 'file', logLevel: 'warn', allowOrigins: ['http://file.test'] })
    expect(run([], { PEER_PLAN_NAME: 'env', PEER_PLAN_ALLOW_ORIGINS: 'http://a.test, http://b.test:8080' }, home)).toMatchObject({
      ports: [2000, 2010],
      name: 'env',
      allowOrigins: ['http://a.test', 'http://b.test:8080']
    })
    expect(run(['--name', 'cli', '--allow-origin', 'http://c.test', '--ports', '3000-3001'], { PEER_PLAN_NAME: 'env' }, home)).toMatchObject({
      ports: [3000, 3001],
      name: 'cli',
      allowOrigins: ['http://c.test']
    })
  })

  it('--config names the file; --no-mdns means off; --port is exact', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'x.json'), JSON.stringify({ port: 4000, mdns: 'lan' }))
    expect(run(['--config', join(dir, 'x.json')])).toMatchObject({ port: 4000, mdns: 'lan' })
    expect(run(['--config', join(dir, 'x.json'), '--no-mdns'])).toMatchObject({ mdns: 'off' })
  })

  it.each([
    [['--ports', '1-2000'], /wider than 1024/],
    [['--host', 'example.com'], /expected an IP address/],
    [['--host', '::'], /not a loopback/],
    [['--allow-origin', '*'], /not an origin/],
    [['--no-mdns', '--mdns', 'lan'], /contradicts/],
    [['--room-idle', '0'], /expected seconds/],
    [['--room-idle', '1m'], /expected seconds/],
    [['extra'], /Unexpected argument|positional/i]
  ])('rejects %j', (argv, msg) => {
    expect(() => run(argv)).toThrow(ConfigError)
    expect(() => run(argv)).toThrow(msg)
  })
})
