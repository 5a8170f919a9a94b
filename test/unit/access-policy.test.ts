import { describe, expect, it } from 'vitest'
import { createAccessPolicy } from '../../src/node/http-guards.js'

const policy = (extra?: (o: URL) => boolean) =>
  createAccessPolicy({ port: 1235, bindHost: '127.0.0.1', ports: [1234, 1236], allowOrigins: ['http://localhost:5173'], originAllowed: extra })

describe('access policy', () => {
  it('takes only this peer on a loopback name as Host', () => {
    const p = policy()
    for (const h of ['127.0.0.1:1235', 'localhost:1235', 'LOCALHOST:1235', '[::1]:1235']) expect(p.hostAllowed(h)).toBe(true)
    for (const h of [undefined, '127.0.0.1', '127.0.0.1:1234', 'evil.example:1235', 'localhost.evil:1235', '127.0.0.2:1235']) expect(p.hostAllowed(h)).toBe(false)
  })

  it('allows the range, --allow-origin and no Origin; refuses look-alikes and null', () => {
    const p = policy()
    expect(p.origin(undefined)).toBe('absent')
    for (const o of ['http://127.0.0.1:1234', 'http://localhost:1236', 'http://[::1]:1235', 'http://localhost:5173']) expect(p.origin(o)).toBe('allowed')
    for (const o of ['null', 'http://localhost:1237', 'http://localhost.evil:1234', 'https://127.0.0.1:1234', 'http://127.0.0.1:1234/', 'http://localhost:5174']) {
      expect(p.origin(o)).toBe('refused')
    }
  })

  it('asks the mesh rule only about exact http://<IPv4|localhost>:<port> origins', () => {
    const asked: string[] = []
    const p = policy((o) => (asked.push(o.origin), o.port === '4000'))
    expect(p.origin('http://127.0.0.1:4000')).toBe('allowed')
    expect(p.origin('http://127.0.0.1:4001')).toBe('refused')
    for (const o of ['http://evil.example:4000', 'http://127.0.0.1:4000/x', 'http://127.0.0.1', 'ws://127.0.0.1:4000']) expect(p.origin(o)).toBe('refused')
    expect(asked).toEqual(['http://127.0.0.1:4000', 'http://127.0.0.1:4001'])
  })

  it('proves a Host only for the socket it came in on; localhost only on a port held on both loopback families', () => {
    const held = createAccessPolicy({ port: 1235, bindHost: '127.0.0.1', ports: [1234, 1236], allowOrigins: [], localhostHeld: (port) => port === 1235 })
    const v4 = { localAddress: '127.0.0.1', localPort: 1235 }
    for (const h of ['127.0.0.1:1235', 'localhost:1235', 'LOCALHOST:1235']) expect(held.namesSocket(h, v4), h).toBe(true)
    for (const h of ['[::1]:1235', '127.0.0.1:1234', 'localhost:1234']) expect(held.namesSocket(h, v4), h).toBe(false)
    // The guard family's socket: its own address, and localhost.
    for (const h of ['[::1]:1235', 'localhost:1235']) expect(held.namesSocket(h, { localAddress: '::1', localPort: 1235 }), h).toBe(true)
    // A dual-stack socket shows an IPv4 client's address mapped.
    expect(held.namesSocket('127.0.0.1:1235', { localAddress: '::ffff:127.0.0.1', localPort: 1235 })).toBe(true)
    // Not told which ports are held (or [::1]:1235 was taken): localhost is never proved; the IP still is.
    const unheld = policy()
    expect(unheld.namesSocket('localhost:1235', v4)).toBe(false)
    expect(unheld.namesSocket('127.0.0.1:1235', v4)).toBe(true)
  })
})
