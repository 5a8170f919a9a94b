import { networkInterfaces } from 'node:os'

/** IPv4 addresses of the interfaces `lan` scope uses: up, not loopback. */
export const lanAddresses = (): string[] =>
  Object.values(networkInterfaces())
    .flat()
    .filter((a): a is NonNullable<typeof a> => !!a && a.family === 'IPv4' && !a.internal)
    .map((a) => a.address)
