/** The Vite plugin's gate and relay paths (src/vite): who may use the relay, and which paths it takes. */
import type { IncomingMessage } from 'node:http'
import { describe, expect, it } from 'vitest'
import { pageRefusal } from '../../src/vite/page-guard.js'
import { relayPath } from '../../src/vite/relay.js'

const req = (remoteAddress: string, headers: Record<string, string>) => ({ socket: { remoteAddress }, headers }) as unknown as IncomingMessage

describe('the Vite plugin', () => {
  it('lets in this machine\'s clients on a loopback or allowed Host, from the server\'s own origin or none', () => {
    expect(pageRefusal(req('127.0.0.1', { host: 'localhost:5173', origin: 'http://localhost:5173' }), [])).toBeNull()
    expect(pageRefusal(req('::1', { host: '[::1]:5173' }), [])).toBeNull()
    expect(pageRefusal(req('::ffff:127.0.0.1', { host: 'app.localhost:5173', origin: 'https://app.localhost:5173' }), [])).toBeNull()
    expect(pageRefusal(req('127.0.0.1', { host: 'dev.example.test:5173', origin: 'http://dev.example.test:5173' }), ['.example.test'])).toBeNull()
    expect(pageRefusal(req('127.0.0.1', { host: 'anything:5173' }), true)).toBeNull()
  })

  it('refuses LAN clients, rebinding Hosts and foreign pages', () => {
    expect(pageRefusal(req('192.168.1.20', { host: 'localhost:5173' }), true)).toMatch(/this machine/)
    expect(pageRefusal(req('127.0.0.1', { host: 'evil.example:5173', origin: 'http://evil.example:5173' }), [])).toMatch(/Host/)
    expect(pageRefusal(req('127.0.0.1', { host: 'localhost:5173', origin: 'http://evil.example' }), [])).toMatch(/Origin/)
    expect(pageRefusal(req('127.0.0.1', { host: 'localhost:5173', origin: 'http://localhost:5174' }), [])).toMatch(/Origin/)
    expect(pageRefusal(req('127.0.0.1', { host: 'localhost.evil.example:5173' }), [])).toMatch(/Host/)
  })

  it('relays <base>/peer/<port><path> and nothing else', () => {
    expect(relayPath('/api', '/api/peer/1234/health')).toEqual({ port: 1234, rest: '/health' })
    expect(relayPath('/api', '/api/peer/1234/my-room?x=1')).toEqual({ port: 1234, rest: '/my-room?x=1' })
    expect(relayPath('/api', '/api/peer/1234')).toEqual({ port: 1234, rest: '/' })
    expect(relayPath('/api', '/api/registry')).toBeNull()
    expect(relayPath('/api', '/other/peer/1234/health')).toBeNull()
    expect(relayPath('/api', '/api/peer/12x/health')).toBeNull()
  })
})
