/**
 * The mesh as plain /registry answers from the Vite plugin, for a page that wants the list without a
 * Yjs doc: pushed over Vite's hot channel (`import.meta.hot`) in `vite` dev, polled in `vite preview`,
 * which has no hot channel.
 */
import { DEV_BASE, DEV_REGISTRY_EVENT } from '../shared/protocol.js'
import { parseRegistryResponse, type RegistryResponse } from '../shared/schema.js'
import { getJson } from '../shared/health-client.js'

/** The part of Vite's `import.meta.hot` this needs. */
export interface HotChannel {
  on(event: string, cb: (data: unknown) => void): void
  off?(event: string, cb: (data: unknown) => void): void
}

export interface WatchRegistryOptions {
  /** `import.meta.hot` (dev): changes are pushed; without it the registry is polled. */
  hot?: HotChannel | null
  /** The plugin's base; default '/api'. */
  base?: string
  /** Polling period without a hot channel, in ms. Default 2000. */
  intervalMs?: number
}

/** Calls onChange with the mesh now and on every change; returns the function that stops it. */
export const watchDevRegistry = (onChange: (registry: RegistryResponse) => void, opts: WatchRegistryOptions = {}): (() => void) => {
  const url = `${opts.base ?? DEV_BASE}/registry`
  const life = new AbortController()
  const take = (data: unknown) => {
    const parsed = parseRegistryResponse(data)
    if (parsed && !life.signal.aborted) onChange(parsed)
  }
  const poll = () => getJson(new URL(url, globalThis.location.href).href, { signal: life.signal, timeoutMs: 3000 }).then(take, () => {})
  void poll()
  if (opts.hot) {
    opts.hot.on(DEV_REGISTRY_EVENT, take)
    return () => (life.abort(), opts.hot?.off?.(DEV_REGISTRY_EVENT, take))
  }
  const timer = setInterval(poll, opts.intervalMs ?? 2000)
  return () => (life.abort(), clearInterval(timer))
}
