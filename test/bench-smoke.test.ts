import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startProcess } from '../scripts/lib/spawn-peer.mjs'
import { tempDir } from './helpers/temp.js'
import { testScope } from './helpers/scope.js'

const RUN = resolve(import.meta.dirname, '../bench/run.mjs')

/** Runs the bench to completion; a test that ends first SIGTERMs it, so it takes its peers and browser with it. */
const runBench = async (args: string[]) => {
  const bench = startProcess(process.execPath, [RUN, ...args])
  testScope().defer(() => bench.stop('SIGTERM', 10_000))
  const { code } = await bench.exited
  return { code, stdout: bench.stdout(), stderr: bench.stderr() }
}

describe('pnpm bench', () => {
  it('runs --quick on one scenario and writes the documented JSON, table and chart', async () => {
    const out = tempDir()
    const { code, stdout, stderr } = await runBench(['--quick', '--only', 'registry', '--out', out])
    expect(code, stderr).toBe(0)
    expect(stderr).toMatch(/\[bench [\d.]+s\] registry: p50/)
    expect(stdout).toMatch(/\| registry +\| 5 /)
    const json = JSON.parse(await readFile(join(out, 'latest.json'), 'utf8'))
    expect(Object.keys(json.scenarios)).toEqual(['registry'])
    const s = json.scenarios.registry
    for (const k of ['p50_ms', 'p95_ms', 'max_ms']) expect(typeof s[k]).toBe('number')
    expect(s.runs).toBe(5)
    expect(s.p50_ms).toBeLessThanOrEqual(s.p95_ms)
    expect(json.machine.cpus).toBeGreaterThan(0)
    expect(json.mode).toBe('quick')
    expect(await readFile(join(out, 'latest.svg'), 'utf8')).toMatch(/^<svg[^>]*>[\s\S]*registry[\s\S]*<\/svg>\s*$/)
  })
})
