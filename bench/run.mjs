#!/usr/bin/env node
/**
 * pnpm bench: discovery timing in real headless Chromium against real peer-plan-node processes, every
 * figure beside a floor measured in the same run and matched to what the scenario does. See
 * bench/README.md for the scenarios and the schema of the results file.
 *
 *   node bench/run.mjs [--quick] [--only a,b,...] [--out DIR]
 *
 * A full run writes bench/results/ (the committed reference); --quick writes a scratch directory
 * (printed at the end) unless --out names one.
 */
import { cpus, totalmem, release, platform } from 'node:os'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createContext, PORTS } from './lib/context.mjs'
import { dropExtraCaCerts, extraCaCertsNote } from './lib/environment.mjs'
import { health, makeHome, spawnPeer, stopAll, until } from './lib/peers.mjs'
import { launch } from './lib/browser.mjs'
import { renderChart, renderTable } from './lib/report.mjs'
import { runFloors } from './scenarios/floors.mjs'
import { runJoins } from './scenarios/joins.mjs'
import { runLive } from './scenarios/live.mjs'
import { runSeedRegistry, runSeedScan } from './scenarios/seed.mjs'
import { runMdns } from './scenarios/mdns.mjs'
import { runScale } from './scenarios/scale.mjs'
import { runStartup } from './scenarios/startup.mjs'
import { runMcpScenarios } from './scenarios/mcp.mjs'
import { runRoomScenarios } from './scenarios/rooms.mjs'

// Before anything is started: every process the bench starts inherits this (lib/environment.mjs).
const extraCaCerts = dropExtraCaCerts()
const ctx = { ...createContext(), ports: PORTS, extraCaCerts }
process.setMaxListeners(0)
const browser = await launch()

const closeFloors = await runFloors(ctx, browser)

// The main mesh: 10 peers on 24001-24010 of the range 24000-24010 (24000 left empty for `scan`).
const MESH_SCENARIOS = ['registry', 'registry-live', 'scan', 'scan-live', 'cached', 'cached-live', 'propagate', 'evict', 'failover', 'seed-registry-poll-propagate', 'seed-registry-poll-evict']
const home = makeHome()
const meshArgs = ['--ports', `${PORTS.mesh[0]}-${PORTS.mesh[1]}`]
let mesh = []
if (ctx.wantsAny(...MESH_SCENARIOS)) {
  ctx.progress('starting 10 peers')
  mesh = await Promise.all(Array.from({ length: 10 }, (_, i) => spawnPeer({ home, args: [...meshArgs, '--port', String(PORTS.mesh[0] + 1 + i)] })))
  await until(async () => (await Promise.all(mesh.map(health))).every((h) => h.peers === 10), 'the 10-peer mesh to converge')
  await runJoins(ctx, browser, mesh)
  await runLive(ctx, browser, mesh, { home, meshArgs })
  await runSeedRegistry(ctx, browser, mesh, { home, meshArgs })
  await stopAll(mesh)
}
await runSeedScan(ctx, browser)
await runMdns(ctx)
await runScale(ctx, browser)
// After the last join: each is paired with the floor servers (scenarios/joins.mjs, scenarios/scale.mjs).
closeFloors()
await runStartup(ctx)
await runMcpScenarios(ctx)
await runRoomScenarios(ctx)

const chromium = `Chromium ${browser.version()}`
await browser.close()

const result = {
  scenarios: ctx.scenarios,
  machine: { cpus: cpus().length, cpu_model: cpus()[0]?.model ?? 'unknown', memory_gib: Math.round(totalmem() / 2 ** 30), os: `${platform()} ${release()}`, node: process.version, chromium, node_extra_ca_certs: extraCaCertsNote(extraCaCerts) },
  mode: ctx.quick ? 'quick' : 'full',
  runs_per_scenario: ctx.runs,
  at: new Date().toISOString(),
  duration_s: Math.round((performance.now() - ctx.t0) / 100) / 10
}
mkdirSync(ctx.out, { recursive: true })
writeFileSync(join(ctx.out, 'latest.json'), JSON.stringify(result, null, 2) + '\n')
writeFileSync(join(ctx.out, 'latest.svg'), renderChart(result))
process.stdout.write(renderTable(result) + '\n')
ctx.progress(`done: ${join(ctx.out, 'latest.json')}, ${join(ctx.out, 'latest.svg')}`)
process.exit(0)
