/**
 * The page's cache of last-known peers (browser/discovery/cache.ts): what a record yields, which URL
 * the head start asks, and that a bad URL is never asked, whichever path checked it.
 */
import { describe, expect, it, onTestFinished } from 'vitest'
import { cacheSource, firstCachedUrl, loadCachedUrls } from '../../src/browser/discovery/cache.js'
import { isPeerUrl } from '../../src/shared/entry-check.js'

const KEY = '127.0.0.1:1234-1244'

/** A page's localStorage holding `raw` under KEY's record. */
const storing = (raw: string | null) => {
  const page = globalThis as { localStorage?: unknown }
  page.localStorage = { getItem: (k: string) => (k === `peer-plan:last-known:${KEY}` ? raw : null), setItem: () => {} }
  onTestFinished(() => void delete page.localStorage)
}

describe('the cache', () => {
  it('a record yields its current peer, then its URLs, unchecked', () => {
    storing(JSON.stringify({ current: 'http://127.0.0.1:1240', urls: ['http://127.0.0.1:1234', 'javascript:x', 7], savedAt: 1 }))
    expect(loadCachedUrls(KEY)).toEqual(['http://127.0.0.1:1240', 'http://127.0.0.1:1234', 'javascript:x', 7])
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

  it('the head start asks the current peer when it is on the mesh host, as the join writes such a URL', () => {
    expect(firstCachedUrl(['http://127.0.0.1:1240', 'http://127.0.0.1:1234'], '127.0.0.1')).toBe('http://127.0.0.1:1240')
    expect(firstCachedUrl(['http://[::1]:65535'], '::1')).toBe('http://[::1]:65535')
    expect(firstCachedUrl(['http://localhost:1'], 'localhost')).toBe('http://localhost:1')
  })

  it('a current peer elsewhere is asked if it passes the entries rule', () => {
    expect(firstCachedUrl(['http://127.0.0.2:1240'], '127.0.0.1')).toBe('http://127.0.0.2:1240')
    expect(firstCachedUrl([null, 'http://localhost:1240'], '127.0.0.1')).toBe('http://localhost:1240')
    // Not on 127.0.0.1, though it starts with it.
    expect(firstCachedUrl(['http://127.0.0.10:80'], '127.0.0.1')).toBe('http://127.0.0.10:80')
  })

  it('no URL that fails the entries rule is ever the one asked', () => {
    const bad = [
      'http://127.0.0.1:0', 'http://127.0.0.1:65536', 'http://127.0.0.1:080', 'http://127.0.0.1:1e3', 'http://127.0.0.1:0x10',
      'http://127.0.0.1: 80', 'http://127.0.0.1:', 'http://127.0.0.1:80/x', 'http://127.0.0.1:80?x', 'http://127.0.0.1:80#',
      'http://127.0.0.1:1.5', 'http://127.0.0.1:-1', 'https://127.0.0.1:80', 'ws://127.0.0.1:80', '', 7, null
    ]
    for (const url of bad) {
      expect(isPeerUrl(url)).toBe(false)
      expect(firstCachedUrl([url], '127.0.0.1')).toBeNull()
      expect(firstCachedUrl([url, 'http://127.0.0.1:1234'], '127.0.0.1')).toBe('http://127.0.0.1:1234')
    }
  })

  it('the cache source asks each usable URL once, the head start first', async () => {
    const asked: string[] = []
    // A stand-in for the head start that answers every URL with a failure: no request leaves.
    const early = { take: (url: string) => (asked.push(url), Promise.reject(new Error('down'))) } as never
    const source = cacheSource(['http://127.0.0.1:1', 'bad', 'http://127.0.0.1:1', 'http://127.0.0.1:2'], 50, early)
    await expect(source.find(new AbortController().signal)).rejects.toThrow('2 tried: down')
    expect(asked).toEqual(['http://127.0.0.1:1', 'http://127.0.0.1:2'])
    await expect(cacheSource(['bad', 3], 50).find(new AbortController().signal)).rejects.toThrow('no cached peers')
  })
})
