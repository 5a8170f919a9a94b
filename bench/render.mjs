#!/usr/bin/env node
/** Re-renders the table (stdout) and chart from a results file: node bench/render.mjs [latest.json] */
import { readFileSync, writeFileSync } from 'node:fs'
import { renderChart, renderTable } from './lib/report.mjs'

const path = process.argv[2] ?? new URL('./results/latest.json', import.meta.url).pathname
const result = JSON.parse(readFileSync(path, 'utf8'))
writeFileSync(path.replace(/\.json$/, '.svg'), renderChart(result))
process.stdout.write(renderTable(result) + '\n')
