/**
 * Real headless Chromium through playwright-core: CHROME_PATH, else a system Chromium, else the one the
 * dev dependency @sparticuz/chromium ships (scripts/lib/chromium.mjs decides, for the bench too).
 * Pages are opened on a peer's own origin, so they are allowed by every peer of the range.
 */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { chromiumLaunchOptions } from '../../scripts/lib/chromium.mjs'
import { testScope, type Scope } from './scope.js'

/** Closed when its scope ends: the running test unless a describe block's suiteScope() is given. */
export const launchBrowser = async (scope: Scope = testScope()): Promise<Browser> => {
  const browser = await chromium.launch((await chromiumLaunchOptions()).launch)
  scope.defer(() => browser.close())
  return browser
}

/** A fresh context (so a fresh IndexedDB) with a page on `origin`. */
export const pageOn = async (browser: Browser, origin: string): Promise<{ ctx: BrowserContext; page: Page }> => {
  const ctx = await browser.newContext()
  const page = await ctx.newPage()
  page.on('pageerror', (err) => process.stderr.write(`[page error] ${err.message}\n`))
  await page.goto(`${origin}/health`)
  await loadLibrary(page)
  return { ctx, page }
}

/** Loads the bundle every peer serves into the page as window.peerPlan (after each reload too). */
export const loadLibrary = async (page: Page): Promise<void> => {
  await page.addScriptTag({ type: 'module', content: "import * as lib from '/peer-plan.js'; window.peerPlan = lib" })
  await page.waitForFunction(() => (window as any).peerPlan !== undefined)
}

export interface JoinResult {
  ok: boolean
  via?: string
  timings?: { firstAnswer: number; peersKnown: number; directorySynced: number; sources: { via: string; ok: boolean; detail: string; ms: number }[]; failovers: number[] }
  peers?: string[]
  current?: string
  name?: string
  message?: string
  attempts?: { via: string; ok: boolean; detail: string }[]
}

/** Calls joinMesh in the page, keeps the mesh on window.mesh and records its events in window.events. */
export const join = (page: Page, options: Record<string, unknown>): Promise<JoinResult> =>
  page.evaluate(async (options) => {
    const w = window as any
    const lib = w.peerPlan
    w.events = []
    try {
      const mesh = await lib.joinMesh(options)
      w.mesh = mesh
      mesh.on('peer-added', (p: any) => w.events.push(['added', p.id]))
      mesh.on('peer-removed', (p: any) => w.events.push(['removed', p.id]))
      mesh.on('status', (e: any) => w.events.push(['status', e.status]))
      return { ok: true, via: mesh.via, timings: mesh.timings, peers: mesh.peers.map((p: any) => p.id), current: mesh.current?.id }
    } catch (e: any) {
      return { ok: false, name: e.name, message: e.message, attempts: e.attempts }
    }
  }, options)

/** The peer URLs of the page's cache (its first record); [] until something is cached. */
export const cachedPeerUrls = (page: Page): Promise<string[]> =>
  page.evaluate(() => {
    const key = Object.keys(localStorage).find((k) => k.startsWith('peer-plan:last-known:'))
    return key ? (JSON.parse(localStorage.getItem(key)!).urls as string[]) : []
  })

/** The page's current view: peer ids, current id, events so far. */
export const view = (page: Page) =>
  page.evaluate(() => {
    const w = window as any
    return { peers: w.mesh.peers.map((p: any) => p.id) as string[], current: w.mesh.current?.id as string | undefined, status: w.mesh.status as string, events: w.events as [string, string][], failovers: w.mesh.timings.failovers as number[] }
  })

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}
