/**
 * The browser bundles a peer serves, /peer-plan.js and /dashboard.js: each read on its first request and
 * kept, so a peer no browser visits never reads them (a quarter of a MiB per peer, N peers per machine).
 */
import { readFileSync } from 'node:fs'
import type { Logger } from './log.js'

export const ASSET_FILES: Record<string, string> = { '/peer-plan.js': 'peer-plan.js', '/dashboard.js': 'dashboard.js' }

export class BrowserAssets {
  private readonly read = new Map<string, Buffer | null>()

  constructor(private readonly log: Logger) {}

  /** The bundle served at `path`, or null if it is missing (said once in the log). */
  get(path: string): Buffer | null {
    if (this.read.has(path)) return this.read.get(path)!
    const file = ASSET_FILES[path]
    let body: Buffer | null = null
    try {
      // Synchronous once per file and process: small, local, and simpler than a route that waits.
      if (file) body = readFileSync(new URL(`../browser/${file}`, import.meta.url))
    } catch {
      this.log.warn(`browser bundle dist/browser/${file} is missing (run pnpm build); ${path} answers 404`)
    }
    this.read.set(path, body)
    return body
  }
}
