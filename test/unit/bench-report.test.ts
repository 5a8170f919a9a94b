/**
 * The bench's table (bench/lib/report.mjs): each join stands under the floors of its own loop, and a
 * results file from before those floors existed still reads against the early ones it had.
 */
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

type Result = { scenarios: Record<string, object> }
const { goalOf, renderTable } = (await import(resolve(import.meta.dirname, '../../bench/lib/report.mjs'))) as {
  goalOf: (result: Result, name: string) => { text: string; met: boolean | null }
  renderTable: (result: Result) => string
}

const row = (p50: number) => ({ runs: 20, min_ms: p50, p50_ms: p50, p95_ms: p50, max_ms: p50 })
const resultOf = (scenarios: Record<string, number>) => ({ scenarios: Object.fromEntries(Object.entries(scenarios).map(([k, v]) => [k, row(v)])) })
const floorCell = (result: Result, name: string) => renderTable(result).split('\n').find((l) => l.startsWith(`| ${name} `))?.split('|')[6]?.trim()

describe('bench report: floors', () => {
  it('scan, registry@N and join@64 read against their paired floors', () => {
    const r = resultOf({ 'floor-fetch': 4, 'floor-ws': 3, 'floor-scan': 10, scan: 12, 'scan-live': 20, 'floor-scan-paired': 9, 'floor-ws-paired-scan': 5, 'registry@32': 7, 'floor-fetch-paired-registry@32': 6, 'join@64': 8, 'floor-fetch-paired-join@64': 5 })
    expect(floorCell(r, 'scan')).toBe('9.0 (floor-scan-paired)')
    expect(goalOf(r, 'scan')).toEqual({ text: '<= 1.3x floor', met: false })
    expect(floorCell(r, 'scan-live')).toBe('14.0 (floor-scan-paired+floor-ws-paired-scan)')
    expect(goalOf(r, 'scan-live').met).toBe(false)
    expect(floorCell(r, 'registry@32')).toBe('6.0 (floor-fetch-paired-registry@32)')
    expect(goalOf(r, 'registry@32').met).toBe(true)
    expect(floorCell(r, 'join@64')).toBe('5.0 (floor-fetch-paired-join@64)')
    expect(goalOf(r, 'join@64').met).toBe(false)
  })

  it('a results file without them reads against the early floors', () => {
    const r = resultOf({ 'floor-fetch': 6, 'floor-ws': 3, 'floor-scan': 10, scan: 12, 'scan-live': 17, 'registry@32': 7, 'join@64': 8 })
    expect(floorCell(r, 'scan')).toBe('10.0 (floor-scan)')
    expect(goalOf(r, 'scan').met).toBe(true)
    expect(floorCell(r, 'scan-live')).toBe('13.0 (floor-scan+floor-ws)')
    expect(goalOf(r, 'scan-live').met).toBe(true)
    expect(floorCell(r, 'registry@32')).toBe('6.0 (floor-fetch)')
    expect(floorCell(r, 'join@64')).toBe('6.0 (floor-fetch)')
    expect(goalOf(r, 'join@64').met).toBe(false)
  })
})
