/** The browser bundles a peer serves, read once at start: /peer-plan.js and /dashboard.js. */
import { readFile } from 'node:fs/promises'
import type { Logger } from './log.js'

const FILES = { '/peer-plan.js': 'peer-plan.js', '/dashboard.js': 'dashboard.js' } as const

export const loadBrowserAssets = async (log: Logger): Promise<Map<string, Buffer>> => {
  const out = new Map<string, Buffer>()
  for (const [route, file] of Object.entries(FILES)) {
    try {
      out.set(route, await readFile(new URL(`../browser/${file}`, import.meta.url)))
    } catch {
      log.warn(`browser bundle dist/browser/${file} is missing (run pnpm build); ${route} will answer 404`)
    }
  }
  return out
}
