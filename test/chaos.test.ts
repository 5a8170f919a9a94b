/**
 * A short pnpm chaos run: a few real peers through random SIGKILL / SIGSTOP+SIGCONT / SIGTERM /
 * restarts with a Chromium page following them. Asserts zero anomalies and that agreement times were
 * reported; the times themselves are printed for the record, never asserted.
 */
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { PORTS, range } from './helpers/ports.js'
import { tempDir } from './helpers/temp.js'

const CHAOS = resolve(import.meta.dirname, '../bench/chaos.mjs')

describe('pnpm chaos', () => {
  it('4 peers through 15 s of faults: the mesh and the page always agree again, no anomaly', { timeout: 180_000 }, async () => {
    const out = join(tempDir(), 'chaos.json')
    const child = spawn(process.execPath, [CHAOS, '--peers', '4', '--seconds', '15', '--ports', range(PORTS.chaos), '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] })
    // SIGINT makes the run clean up after itself (its peers, Chromium, its temporary home).
    onTestFinished(() => void (child.exitCode === null && child.kill('SIGINT')))
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const code = await new Promise<number | null>((r) => child.on('exit', r))
    process.stderr.write(stdout)
    expect(code, `${stdout}\n${stderr.slice(-3000)}`).toBe(0)
    const result = JSON.parse(await readFile(out, 'utf8'))
    expect(result.anomalies).toEqual([])
    expect(Object.values(result.anomaly_counts).every((n) => n === 0)).toBe(true)
    expect(result.agreement.all.runs).toBeGreaterThan(0)
    expect(result.faults.every((f: { agreement_ms: number | null }) => typeof f.agreement_ms === 'number')).toBe(true)
    for (const k of ['p50_ms', 'p95_ms', 'max_ms']) expect(typeof result.agreement.all[k]).toBe('number')
    expect(stdout).toMatch(/\| all +\| \d+ +\| \d+ /)
    expect(stdout).toMatch(/no anomalies/)
  })
})
