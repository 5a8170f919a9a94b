import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { accessToken, tokenMatches } from '../../src/node/access-token.js'
import { entryProblem } from '../../src/node/directory-guard.js'
import { checkProof, LinkVerifier, proofFor, signLink, WINDOW_MS } from '../../src/node/link-auth.js'
import { urlInScope } from '../../src/node/url-scope.js'
import { createAccessPolicy } from '../../src/node/http-guards.js'

const key = randomBytes(32)

const URL_1 = 'http://127.0.0.1:1234'
const own = (host: string) => ['127.0.0.1:1234', '127.0.0.1:1236'].includes(host)
const sign = (k: Buffer, server: string, now?: number, url = URL_1) => signLink(k, 'dialler1', server, url, now)

describe('link authentication', () => {
  it('accepts a fresh proof once, bound to the server it names', () => {
    const v = new LinkVerifier(key, 'server01', own)
    const { header, nonce } = sign(key, 'server01')
    expect(v.verify(header)).toMatchObject({ ok: true, peerId: 'dialler1', nonce })
    expect(v.verify(header)).toEqual({ ok: false, reason: 'link nonce reused' })
    expect(new LinkVerifier(key, 'server02', own).verify(sign(key, 'server01').header).ok).toBe(false)
  })

  it("takes a proof made for one of the server's own URLs only: a relay's URL is refused", () => {
    const v = new LinkVerifier(key, 'server01', own)
    expect(v.verify(sign(key, 'server01', undefined, 'http://127.0.0.1:1236').header).ok).toBe(true)
    for (const url of ['http://127.0.0.1:1299', 'http://127.0.0.2:1234', 'http://localhost:1234']) {
      expect(v.verify(sign(key, 'server01', undefined, url).header)).toEqual({ ok: false, reason: 'link header was made for another URL (relayed?)' })
    }
    // The URL is under the MAC: rewriting it in the header breaks the proof.
    const relayed = sign(key, 'server01', undefined, 'http://127.0.0.1:1299').header.replace('http://127.0.0.1:1299', URL_1)
    expect(v.verify(relayed)).toEqual({ ok: false, reason: 'wrong mesh key' })
  })

  it("a server's own URLs are those its Host check takes: the loopback names and, in lan scope, its interface addresses, on its own ports", () => {
    const verifierOf = (bindHost: string, extraHosts: string[] = []) => {
      const policy = createAccessPolicy({ port: 1234, bindHost, ports: [1234, 1244], allowOrigins: [], extraHosts })
      policy.addPort(1240)
      return new LinkVerifier(key, 'server01', policy.hostAllowed)
    }
    const takes = (v: LinkVerifier, url: string) => v.verify(sign(key, 'server01', undefined, url).header).ok
    // --host localhost: a loopback mDNS hint still names 127.0.0.1.
    const local = verifierOf('localhost')
    for (const url of ['http://localhost:1234', 'http://127.0.0.1:1234', 'http://[::1]:1234']) expect(takes(local, url), url).toBe(true)
    const lan = verifierOf('0.0.0.0', ['192.168.1.5', '10.0.0.7', 'box.local'])
    for (const url of ['http://10.0.0.7:1240', 'http://box.local:1234', 'http://127.0.0.1:1240']) expect(takes(lan, url), url).toBe(true)
    for (const relay of ['http://127.0.0.2:1234', 'http://127.0.0.1:1235', 'http://10.0.0.8:1234']) expect(takes(lan, relay), relay).toBe(false)
  })

  it('refuses another key, a stale timestamp, an older version and a malformed header', () => {
    const v = new LinkVerifier(key, 'server01', own)
    expect(v.verify(sign(randomBytes(32), 'server01').header)).toEqual({ ok: false, reason: 'wrong mesh key' })
    expect(v.verify(sign(key, 'server01', Date.now() - WINDOW_MS - 1000).header)).toEqual({ ok: false, reason: 'link header is stale' })
    expect(v.verify('v1 dialler1 server01 1 00000000000000000000000000000000 ab')).toEqual({ ok: false, reason: expect.stringMatching(/older peer-plan \(v1\)/) })
    for (const h of [undefined, '', 'v2 a b c d e f', `v3 ${sign(key, 'server01').header.slice(3)}`]) expect(v.verify(h).ok).toBe(false)
  })

  it('keeps a bounded memory of nonces', () => {
    const v = new LinkVerifier(key, 'server01', own, 10)
    for (let i = 0; i < 50; i++) expect(v.verify(sign(key, 'server01').header).ok).toBe(true)
    expect((v as unknown as { nonces: { size: number } }).nonces.size).toBeLessThanOrEqual(10)
  })

  it('the server proves the key back for the dialler nonce only', () => {
    const { nonce } = sign(key, 'server01')
    expect(checkProof(key, 'server01', nonce, proofFor(key, 'server01', nonce))).toBe(true)
    expect(checkProof(key, 'server01', nonce, proofFor(randomBytes(32), 'server01', nonce))).toBe(false)
    expect(checkProof(key, 'server01', nonce, undefined)).toBe(false)
    expect(checkProof(key, 'server02', nonce, proofFor(key, 'server01', nonce))).toBe(false)
  })

  it('derives one access token per key and compares it in full', () => {
    const t = accessToken(key)
    expect(t).toMatch(/^[0-9a-f]{64}$/)
    expect(tokenMatches(t, t)).toBe(true)
    expect(tokenMatches(t, t.slice(0, 62))).toBe(false)
    expect(tokenMatches(t, accessToken(randomBytes(32)))).toBe(false)
    expect(tokenMatches(t, undefined)).toBe(false)
  })
})

describe('scope and the directory guard', () => {
  it('loopback scope takes loopback URLs only', () => {
    for (const u of ['http://127.0.0.1:1234', 'http://127.9.8.7:1', 'http://localhost:1234', 'http://[::1]:1234']) expect(urlInScope(u, 'loopback'), u).toBe(true)
    for (const u of ['http://10.0.0.5:1234', 'http://192.168.1.2:1234', 'http://evil.example:1234', 'https://127.0.0.1:1', 'not a url']) expect(urlInScope(u, 'loopback'), u).toBe(false)
  })

  it('names what is wrong with an entry', () => {
    const good = { id: 'abcd1234', name: 'p', url: 'http://127.0.0.1:1234', host: '127.0.0.1', port: 1234, pid: 1, pidStart: null, hostId: 'h', version: '0', protocol: 1, startedAt: 0 }
    expect(entryProblem('abcd1234', good, 'loopback')).toBeNull()
    expect(entryProblem('abcd1234', 'hijacked', 'loopback')).toBe('not a peer entry')
    expect(entryProblem('zzzz9999', good, 'loopback')).toMatch(/filed under zzzz9999/)
    expect(entryProblem('abcd1234', { ...good, url: 'http://10.1.2.3:1234' }, 'loopback')).toMatch(/outside loopback scope/)
  })
})
