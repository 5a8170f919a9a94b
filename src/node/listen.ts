/**
 * Binding the peer's port. The kernel makes the choice race-free: of several processes trying one port
 * at once, exactly one bind succeeds and the others get EADDRINUSE and move on to the next port. When
 * every port of the range is taken, the peer listens on an ephemeral port the kernel picks (overflow)
 * and claims a range port later (range-claim.ts).
 */
import type { Server } from 'node:net'

export class PortError extends Error {}

export interface Bound {
  port: number
  /** The range was full: the port is an ephemeral one outside it. */
  overflow: boolean
  /** The address the listener holds (what `localhost` resolved to, for one). */
  address: string
}

export const tryListen = (server: Server, host: string, port: number): Promise<NodeJS.ErrnoException | null> =>
  new Promise((resolve) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening)
      resolve(err)
    }
    const onListening = () => {
      server.off('error', onError)
      resolve(null)
    }
    server.once('error', onError)
    server.once('listening', onListening)
    server.listen({ host, port, exclusive: true })
  })

/** A port someone else holds (or one this user may not bind): try the next. */
export const portTaken = (err: NodeJS.ErrnoException): boolean => err.code === 'EADDRINUSE' || err.code === 'EACCES'

const bound = (server: Server, overflow: boolean): Bound => {
  const addr = server.address()
  if (addr === null || typeof addr === 'string') throw new PortError('listening, but on no TCP port')
  return { port: addr.port, overflow, address: addr.address }
}

export const bindPort = async (server: Server, host: string, port: number | null, range: [number, number]): Promise<Bound> => {
  if (port !== null) {
    const err = await tryListen(server, host, port)
    if (!err) return bound(server, false)
    if (err.code === 'EADDRINUSE') throw new PortError(`port ${port} on ${host} is already in use`)
    throw new PortError(`cannot listen on ${host}:${port}: ${err.code ?? err.message}`)
  }
  for (let p = range[0]; p <= range[1]; p++) {
    const err = await tryListen(server, host, p)
    if (!err) return bound(server, false)
    if (!portTaken(err)) throw new PortError(`cannot listen on ${host}:${p}: ${err.code ?? err.message}`)
  }
  // Range full: port 0 lets the kernel pick a free ephemeral port, so overflow peers never race each other.
  const err = await tryListen(server, host, 0)
  if (err) throw new PortError(`no free port in ${range[0]}-${range[1]} on ${host}, and no ephemeral port: ${err.code ?? err.message}`)
  return bound(server, true)
}
