/**
 * The page's cache of last-known peers (browser/discovery/cache.ts): what a record yields, which URL
 * the head start asks, and that a bad URL is never asked, whichever path checked it.
 */
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { cacheSource, firstCachedUrl, loadCachedUrls } from '../../src/browser/discovery/cache.js'
import { isPeerUrl } from '../../src/shared/entry-check.js'

const KEY = '127.0.0.1:1234-1244'

/** A page's localStorage holding `raw` under KEY's record. */
const storing = (raw: string | null) => {
  vi.stubGlobal('localStorage', { getItem: (k: string) => (k === `peer-plan:last-known:${KEY}` ? raw : null), setItem: () => {} })
  onTestFinished(() => void vi.unstubAllGlobals())
}

describe('the cache', () => {
  it('a record yields its current peer, then its URLs, unchecked', () => {
    storing(JSON.stringify({ current: 'http://127.0.0.1:1240', urls: ['http://127.0.0.1:1234', 'javascript:x', 7], savedAt: 1 }))
    expect(loadCachedUrls(KEY)).toEqual(['http://127.0.0.1:1240', 'http://127.0.0.1:1234', 'javascript:x', 7])
    // No current peer recorded: the first usable URL is asked first.
    storing(JSON.stringify({ urls: ['x', 'http://127.0.0.1:1234'], savedAt: 1 }))
    expect(firstCachedUrl(loadCachedUrls(KEY))).toBe('http://127.0.0.1:1234')
  })

  it('no record, a corrupt one or one too long yields nothing', () => {
    for (const raw of [null, '{', 'null', '"x"', JSON.stringify({ urls: 'x' }), JSON.stringify({ urls: Array(257).fill('http://127.0.0.1:1') })]) {
      storing(raw)
      expect(loadCachedUrls(KEY)).toEqual([])
    }
  })

  it('a page without localStorage, or one that refuses it, yields nothing', () => {
    const page = globalThis as { localStorage?: unknown }
    Object.defineProperty(page, 'localStorage', { configurable: true, get: () => { throw new DOMException('denied', 'SecurityError') } })
    onTestFinished(() => void delete page.localStorage)
    expect(loadCachedUrls(KEY)).toEqual([])
  })

  it('a loopback current peer is taken on a comparison, without the pattern or the parser', () => {
    const canParse = vi.spyOn(URL, 'canParse')
    onTestFinished(() => canParse.mockRestore())
    const loopback = ['http://127.0.0.1:1240', 'http://[::1]:65535', 'http://localhost:1']
    for (const url of loopback) expect(firstCachedUrl([url, 'http://127.0.0.1:1234'])).toBe(url)
    expect(canParse).not.toHaveBeenCalled()
    // What the comparison takes, the rule takes too.
    for (const url of loopback) expect(isPeerUrl(url)).toBe(true)
  })

  it('any other current peer is asked if it passes the entries rule', () => {
    expect(firstCachedUrl(['http://127.0.0.2:1240'])).toBe('http://127.0.0.2:1240')
    expect(firstCachedUrl([null, 'http://peer.local:1240'])).toBe('http://peer.local:1240')
    // Starts as a loopback base does, but is another host.
    expect(firstCachedUrl(['http://127.0.0.10:80'])).toBe('http://127.0.0.10:80')
  })

  it('no URL that fails the entries rule is ever the one asked', () => {
    const bad = [
      'http://127.0.0.1:0', 'http://127.0.0.1:65536', 'http://127.0.0.1:080', 'http://127.0.0.1:1e3', 'http://127.0.0.1:0x10',
      'http://127.0.0.1: 80', 'http://127.0.0.1:', 'http://127.0.0.1:80/x', 'http://127.0.0.1:80?x', 'http://127.0.0.1:80#',
      'http://127.0.0.1:1.5', 'http://127.0.0.1:-1', 'http://[::1]:0', 'http://localhost:99999', 'http://:1240', 'http://a_b:1240',
      'http://999.999.999.999:1', 'http://[[::1]]:1240', 'http://[fe80::1%eth0]:1240', 'https://127.0.0.1:80', 'ws://127.0.0.1:80', '', 7, null
    ]
    for (const url of bad) {
      expect(isPeerUrl(url), String(url)).toBe(false)
      expect(firstCachedUrl([url])).toBeNull()
      expect(firstCachedUrl([url, 'http://127.0.0.1:1234'])).toBe('http://127.0.0.1:1234')
    }
  })

  it("the head start's URL is always the cache source's first, so the source takes its answer", () => {
    const values = ['http://127.0.0.1:1240', 'http://localhost:7', 'http://[::1]:9', 'http://127.0.0.2:1', 'http://a_b:1', 'http://127.0.0.1:0', 'x', null, 3]
    let seed = 12
    const pick = () => values[(seed = (seed * 1103515245 + 12345) % 2 ** 31) % values.length]
    for (let i = 0; i < 2000; i++) {
      const cached = Array.from({ length: 1 + (i % 5) }, pick)
      expect(firstCachedUrl(cached), JSON.stringify(cached)).toBe([...new Set(cached.filter(isPeerUrl))][0] ?? null)
    }
  })

  it('the cache source asks each usable URL once, in order', async () => {
    const asked: string[] = []
    // A stand-in for the head start that answers every URL with a failure: no request leaves.
    const early = { take: (url: string) => (asked.push(url), Promise.reject(new Error('down'))) } as never
    const source = cacheSource(['http://127.0.0.1:1', 'bad', 'http://127.0.0.1:1', 'http://127.0.0.1:2'], 50, early)
    await expect(source.find(new AbortController().signal)).rejects.toThrow('2 tried: down')
    expect(asked).toEqual(['http://127.0.0.1:1', 'http://127.0.0.1:2'])
    await expect(cacheSource(['bad', 3], 50).find(new AbortController().signal)).rejects.toThrow('no cached peers')
  })
})
