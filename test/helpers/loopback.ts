/** Plain loopback HTTP endpoints for unit tests (no peer): port 0, so no range is needed. */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A URL whose port nothing listens on: connecting is refused at once. */
export const refusedUrl = async (): Promise<string> => {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((r) => server.close(() => r()))
  return `http://127.0.0.1:${port}`
}
