/** Headless Chromium for the bench, through playwright-core; scripts/lib/chromium.mjs picks which one. */
import { chromium } from 'playwright-core'
import { chromiumLaunchOptions } from '../../scripts/lib/chromium.mjs'

/** `extraArgs` are added to the launch's own (bench:cold's `--js-flags` check). */
export const launch = async (extraArgs = []) => {
  const options = (await chromiumLaunchOptions()).launch
  return chromium.launch({ ...options, args: [...options.args, ...extraArgs] })
}

/** A fresh context (fresh IndexedDB, no warm connections) with a page on origin + path. */
export const freshPage = async (browser, url) => {
  const ctx = await browser.newContext()
  const page = await ctx.newPage()
  await page.goto(url)
  return { ctx, page }
}

/** Loads /peer-plan.js from the page's own origin as window.peerPlan. */
export const loadLibrary = async (page) => {
  await page.addScriptTag({ type: 'module', content: "import * as lib from '/peer-plan.js'; window.peerPlan = lib" })
  await page.waitForFunction(() => window.peerPlan !== undefined)
}

/** joinMesh in the page; returns its timings and keeps window.mesh and window.marks (event wall-clock times). */
export const joinInPage = (page, options) =>
  page.evaluate(async (options) => {
    const mesh = await window.peerPlan.joinMesh(options)
    window.mesh = mesh
    // joinMesh resolves with the whole list (timings.peersKnown); this still reports the live attach.
    await mesh.live
    window.marks = { added: {}, removed: {}, connected: [] }
    mesh.on('peer-added', (p) => (window.marks.added[p.id] = { at: Date.now(), startedAt: p.startedAt }))
    mesh.on('peer-removed', (p) => (window.marks.removed[p.id] = Date.now()))
    mesh.on('status', (e) => e.status === 'connected' && window.marks.connected.push({ at: Date.now(), current: e.detail }))
    return { via: mesh.via, synced: mesh.timings.directorySynced, listed: mesh.timings.peersKnown, firstAnswer: mesh.timings.firstAnswer, peers: mesh.peers.length, current: mesh.current?.id, sources: mesh.timings.sources.map((s) => `${s.via} ${s.ok ? 'found' : 'failed'} at ${s.ms.toFixed(1)} ms: ${s.detail}`).join('; ') }
  }, options)
