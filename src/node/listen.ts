/**
 * Binding the peer's port. The kernel makes the choice race-free: of several processes trying one port
 * at once, exactly one bind succeeds and the others get EADDRINUSE and move on to the next port.
 */
import type { Server } from 'node:http'

export class PortError extends Error {}

const tryListen = (server: Server, host: string, port: number): Promise<NodeJS.ErrnoException | null> =>
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

export const bindPort = async (server: Server, host: string, port: number | null, range: [number, number]): Promise<number> => {
  if (port !== null) {
    const err = await tryListen(server, host, port)
    if (!err) return port
    if (err.code === 'EADDRINUSE') throw new PortError(`port ${port} on ${host} is already in use`)
    throw new PortError(`cannot listen on ${host}:${port}: ${err.code ?? err.message}`)
  }
  for (let p = range[0]; p <= range[1]; p++) {
    const err = await tryListen(server, host, p)
    if (!err) return p
    if (err.code !== 'EADDRINUSE' && err.code !== 'EACCES') throw new PortError(`cannot listen on ${host}:${p}: ${err.code ?? err.message}`)
  }
  throw new PortError(`no free port in ${range[0]}-${range[1]} on ${host}`)
}
