/**
 * The bench's one environment rule (bench/lib/environment.mjs): NODE_EXTRA_CA_CERTS is gone from every
 * process started after it, and its value is handed back for the rows that time it.
 */
import { resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { startProcess } from '../../scripts/lib/spawn-peer.mjs'

const ENVIRONMENT = resolve(import.meta.dirname, '../../bench/lib/environment.mjs')
const before = process.env.NODE_EXTRA_CA_CERTS

afterEach(() => {
  if (before === undefined) delete process.env.NODE_EXTRA_CA_CERTS
  else process.env.NODE_EXTRA_CA_CERTS = before
})

/** What a child started the way the bench starts its processes sees of the variable. */
const childSees = async (): Promise<string> => {
  const child = startProcess(process.execPath, ['-e', "process.stdout.write(String(process.env.NODE_EXTRA_CA_CERTS))"])
  await child.exited
  return child.stdout()
}

describe('bench environment', () => {
  it('drops NODE_EXTRA_CA_CERTS for every later child and returns its value', async () => {
    const { dropExtraCaCerts } = await import(ENVIRONMENT)
    // A file that does not exist: Node only warns about it, and the child here never makes a TLS context.
    process.env.NODE_EXTRA_CA_CERTS = '/nonexistent/peer-plan-test-ca.pem'
    expect(dropExtraCaCerts()).toBe('/nonexistent/peer-plan-test-ca.pem')
    expect(process.env.NODE_EXTRA_CA_CERTS).toBeUndefined()
    expect(await childSees()).toBe('undefined')
  })

  it('returns null where the variable is not set', async () => {
    const { dropExtraCaCerts } = await import(ENVIRONMENT)
    delete process.env.NODE_EXTRA_CA_CERTS
    expect(dropExtraCaCerts()).toBeNull()
  })
})
