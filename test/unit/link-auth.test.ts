import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { accessToken, tokenMatches } from '../../src/node/access-token.js'
import { entryProblem } from '../../src/node/directory-guard.js'
import { checkProof, LinkVerifier, proofFor, signLink, WINDOW_MS } from '../../src/node/link-auth.js'
import { urlInScope } from '../../src/node/url-scope.js'

const key = randomBytes(32)

describe('link authentication', () => {
  it('accepts a fresh proof once, bound to the server it names', () => {
    const v = new LinkVerifier(key, 'server01')
    const { header, nonce } = signLink(key, 'dialler1', 'server01')
    expect(v.verify(header)).toEqual({ ok: true, peerId: 'dialler1', nonce })
    expect(v.verify(header)).toEqual({ ok: false, reason: 'link nonce reused' })
    expect(new LinkVerifier(key, 'server02').verify(signLink(key, 'dialler1', 'server01').header).ok).toBe(false)
  })

  it('refuses another key, a stale timestamp and a malformed header', () => {
    const v = new LinkVerifier(key, 'server01')
    expect(v.verify(signLink(randomBytes(32), 'dialler1', 'server01').header)).toEqual({ ok: false, reason: 'wrong mesh key' })
    expect(v.verify(signLink(key, 'dialler1', 'server01', Date.now() - WINDOW_MS - 1000).header)).toEqual({ ok: false, reason: 'link header is stale' })
    for (const h of [undefined, '', 'v1 a b c d e', `v2 ${signLink(key, 'dialler1', 'server01').header.slice(3)}`]) expect(v.verify(h).ok).toBe(false)
  })

  it('keeps a bounded memory of nonces', () => {
    const v = new LinkVerifier(key, 'server01', 10)
    for (let i = 0; i < 50; i++) expect(v.verify(signLink(key, 'dialler1', 'server01').header).ok).toBe(true)
    expect((v as unknown as { seen: Map<string, number> }).seen.size).toBeLessThanOrEqual(10)
  })

  it('the server proves the key back for the dialler nonce only', () => {
    const { nonce } = signLink(key, 'dialler1', 'server01')
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
