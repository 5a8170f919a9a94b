import { describe, expect, it } from 'vitest'
import { peerProof } from '../../src/node/access-token.js'
import { freshNonce, isProofNonce, peerProofMessage, provesKey } from '../../src/shared/peer-proof.js'

const TOKEN = 'ab'.repeat(32)
const BASE = 'http://127.0.0.1:1234'

describe('peer-proof', () => {
  it('covers the version, the nonce and the base URL', () => {
    expect(peerProofMessage('00'.repeat(16), BASE)).toBe(`peer-plan peer-proof v1|${'00'.repeat(16)}|${BASE}`)
  })

  it('makes fresh nonces of 32 lowercase hex digits', () => {
    const a = freshNonce()
    expect(isProofNonce(a)).toBe(true)
    expect(freshNonce()).not.toBe(a)
    for (const bad of ['', 'A'.repeat(32), 'a'.repeat(31), 'a'.repeat(33), 'g'.repeat(32), 42]) expect(isProofNonce(bad)).toBe(false)
  })

  it('takes the proof node:crypto makes (the peer) for that token, nonce and base only', async () => {
    const nonce = freshNonce()
    const proof = peerProof(TOKEN, nonce, BASE)
    expect(proof).toMatch(/^[0-9a-f]{64}$/)
    expect(await provesKey(TOKEN, nonce, BASE, proof)).toBe(true)
    expect(await provesKey('cd'.repeat(32), nonce, BASE, proof)).toBe(false)
    expect(await provesKey(TOKEN, freshNonce(), BASE, proof)).toBe(false)
    expect(await provesKey(TOKEN, nonce, 'http://127.0.0.1:1235', proof)).toBe(false)
    expect(await provesKey(TOKEN, nonce, 'http://localhost:1234', proof)).toBe(false)
  })

  it('refuses a proof of any other shape', async () => {
    const nonce = freshNonce()
    const proof = peerProof(TOKEN, nonce, BASE)
    for (const bad of [undefined, null, 1, '', proof.toUpperCase(), proof.slice(2), `${proof}00`, `${proof.slice(0, 62)}zz`]) {
      expect(await provesKey(TOKEN, nonce, BASE, bad)).toBe(false)
    }
  })
})
