/**
 * A proof for Host `localhost:P` (shared/peer-proof.ts) binds only the port: a page that asks
 * http://localhost:P may connect to 127.0.0.1:P or [::1]:P. So a peer holds P on both loopback
 * families, and proves `localhost:P` only while it does (node/family-guard.ts). Asked of the real CLI.
 */
import { get as httpGet } from 'node:http'
import { createServer, type Server } from 'node:net'
import { describe, expect, it } from 'vitest'
import { provesKey } from '../src/shared/peer-proof.js'
import { PORTS } from './helpers/ports.js'
import { spawnPeer, tempHome, waitFor, type PeerProc } from './helpers/peers.js'
import { testScope } from './helpers/scope.js'

const [FIRST] = PORTS.localhostProof
/** The range's i-th port. */
const R = (i: number) => FIRST + i
const NONCE = '0123456789abcdef0123456789abcdef'

interface Answer {
  status: number | undefined
  body: string
}

/** GET `path` over a socket to `address`:`port`, with the Host given: what a relay or a page sends. */
const ask = (address: string, port: number, host: string, path = `/registry?proof=${NONCE}`) =>
  new Promise<Answer>((resolve, reject) =>
    httpGet({ host: address, port, path, headers: { Host: host }, agent: false, timeout: 3000 }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (d: string) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode, body }))
    })
      .on('timeout', function (this: { destroy(e: Error): void }) {
        this.destroy(new Error('timed out'))
      })
      .on('error', reject)
  )

/** Whether the answer proves the key for the base URL the page asked. */
const proves = async (peer: PeerProc, a: Answer, base: string): Promise<boolean> =>
  a.status === 200 && provesKey(peer.token, NONCE, base, (JSON.parse(a.body) as { proof?: string }).proof ?? '')

/** A listener of the test's own on `address`:`port`, closed when the test ends. */
const hold = async (address: string, port: number): Promise<Server> => {
  const server = createServer((s) => s.destroy())
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen({ host: address, port, exclusive: true }, resolve))
  testScope().defer(() => new Promise((r) => server.close(r)))
  return server
}

/** The error code a listen on `address`:`port` gets now, or null if it could listen (then closed at once). */
const listenError = (address: string, port: number) =>
  new Promise<string | null>((resolve) => {
    const server = createServer()
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message))
    server.listen({ host: address, port, exclusive: true }, () => server.close(() => resolve(null)))
  })

const healthId = async (address: string, port: number, host: string) => (JSON.parse((await ask(address, port, host, '/health')).body) as { id?: string }).id

/**
 * Waits until the peer answers on the other family of `port` too: it takes it just after its ready line
 * (family-guard.ts). A connection, never a listen of the test's own, which could take the port first.
 */
const guarded = (peer: PeerProc, address: string, port: number) =>
  waitFor(async () => (await healthId(address, port, address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`)) === peer.id, `${peer.id} on ${address}:${port}`)

const WARNED = /warn: cannot also listen on \[::1\]:(\d+) \(EADDRINUSE\).*no proof of the mesh key for localhost:\1/

describe('localhost proofs: a peer holds its port on both loopback families', () => {
  it('a peer on 127.0.0.1:P holds [::1]:P too, serves it, and proves localhost:P', async () => {
    const peer = await spawnPeer({ home: tempHome(), args: ['--ports', `${R(0)}-${R(3)}`] })
    const P = peer.port
    await guarded(peer, '::1', P)
    // No process without the key can take [::1]:P and be reached by a page that asks localhost:P.
    expect(await listenError('::1', P)).toBe('EADDRINUSE')
    expect(await proves(peer, await ask('127.0.0.1', P, `localhost:${P}`), `http://localhost:${P}`)).toBe(true)
    // [::1]:P is the same peer: same id, and it proves its own address and localhost there.
    expect(await healthId('::1', P, `[::1]:${P}`)).toBe(peer.id)
    expect(await proves(peer, await ask('::1', P, `[::1]:${P}`), `http://[::1]:${P}`)).toBe(true)
    expect(await proves(peer, await ask('::1', P, `localhost:${P}`), `http://localhost:${P}`)).toBe(true)
    expect(peer.stderr()).not.toMatch(WARNED)
  })

  it('with [::1]:P taken before it starts, the peer warns and refuses to prove localhost:P, and still proves 127.0.0.1:P', async () => {
    const P = R(4)
    await hold('::1', P)
    const peer = await spawnPeer({ home: tempHome(), args: ['--port', String(P)] })
    expect(peer.port).toBe(P)
    await waitFor(() => WARNED.test(peer.stderr()), 'the peer to warn that [::1]:P is taken')
    const local = await ask('127.0.0.1', P, `localhost:${P}`)
    expect(local.status).toBe(421)
    expect(await provesKey(peer.token, NONCE, `http://localhost:${P}`, (JSON.parse(local.body) as { proof?: string }).proof ?? '')).toBe(false)
    expect(await proves(peer, await ask('127.0.0.1', P, `127.0.0.1:${P}`), `http://127.0.0.1:${P}`)).toBe(true)
  })

  for (const [host, i] of [
    ['::1', 5],
    ['localhost', 8]
  ] as const) {
    it(`a peer started with --host ${host} holds its port on both loopback families, and proves localhost on each`, async () => {
      const peer = await spawnPeer({ home: tempHome(), args: ['--host', host, '--ports', `${R(i)}-${R(i + 2)}`] })
      const P = peer.port
      // --host localhost holds what the resolver gave first; the guard, the other: wait for both.
      for (const address of ['127.0.0.1', '::1']) await guarded(peer, address, P)
      for (const [address, own] of [
        ['127.0.0.1', `127.0.0.1:${P}`],
        ['::1', `[::1]:${P}`]
      ]) {
        expect(await listenError(address!, P), address).toBe('EADDRINUSE')
        expect(await healthId(address!, P, own!), address).toBe(peer.id)
        expect(await proves(peer, await ask(address!, P, `localhost:${P}`), `http://localhost:${P}`), address).toBe(true)
      }
    })
  }

  it("an overflow peer's range port, once taken, is held on both families; with [::1] of it taken, localhost is refused there", async () => {
    const [free, squatted] = [R(11), R(12)]
    const v4 = await hold('127.0.0.1', free)
    // Range full: the peer serves on an ephemeral port E, held on both families as well.
    const peer = await spawnPeer({ home: tempHome(), args: ['--ports', `${free}-${free}`] })
    expect(peer.port === free).toBe(false)
    await guarded(peer, '::1', peer.port)
    expect(await listenError('::1', peer.port)).toBe('EADDRINUSE')
    await new Promise((r) => v4.close(r))
    await waitFor(async () => proves(peer, await ask('127.0.0.1', free, `localhost:${free}`), `http://localhost:${free}`), `the peer to take ${free} and prove localhost there`)
    expect(await listenError('::1', free)).toBe('EADDRINUSE')
    expect(peer.stderr()).not.toMatch(WARNED)

    // A second overflow peer, whose range port's [::1] a process without the key took first.
    const v4b = await hold('127.0.0.1', squatted)
    await hold('::1', squatted)
    const other = await spawnPeer({ home: tempHome(), args: ['--ports', `${squatted}-${squatted}`] })
    await new Promise((r) => v4b.close(r))
    await waitFor(() => WARNED.exec(other.stderr())?.[1] === String(squatted), `the peer to take ${squatted} and warn that [::1]:${squatted} is held`)
    expect((await ask('127.0.0.1', squatted, `localhost:${squatted}`)).status).toBe(421)
    expect(await proves(other, await ask('127.0.0.1', squatted, `127.0.0.1:${squatted}`), `http://127.0.0.1:${squatted}`)).toBe(true)
  })
})
