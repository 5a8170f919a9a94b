import { spawn } from 'node:child_process'
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const RUN = resolve(import.meta.dirname, '../bench/run.mjs')

describe('pnpm bench', () => {
  it('runs --quick on one scenario and writes the documented JSON, table and chart', async () => {
    const out = await mkdtemp(join(tmpdir(), 'pp-bench-smoke-'))
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((res) => {
      const p = spawn(process.execPath, [RUN, '--quick', '--only', 'registry', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] })
      let stdout = ''
      let stderr = ''
      p.stdout.on('data', (d) => (stdout += d))
      p.stderr.on('data', (d) => (stderr += d))
      p.on('exit', (code) => res({ code, stdout, stderr }))
    })
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
