/**
 * What a client says about itself in `initialize`, made fit for the directory: every string cleaned of
 * control characters and clipped to the schema's bounds, so a published entry always validates (an
 * invalid one would hide the whole peer). Self-reported: a label for people, never an identity.
 */
import type { AgentInfo } from '../../shared/schema.js'

export const clip = (value: unknown, max: number): string | undefined => {
  if (typeof value !== 'string') return undefined
  const s = value.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, max)
  return s || undefined
}

/** Top-level capability names, experimental ones as `experimental:<name>`; at most 16. */
export const capabilitySummary = (caps: unknown): string[] => {
  const out: string[] = []
  if (!caps || typeof caps !== 'object') return out
  for (const [key, value] of Object.entries(caps)) {
    if (key === 'experimental' && value && typeof value === 'object') out.push(...Object.keys(value).map((k) => `experimental:${k}`))
    else out.push(key)
  }
  return out.flatMap((c) => clip(c, 64) ?? []).slice(0, 16)
}

export const CHANNEL_CAPABILITY = 'claude/channel'

export const wantsChannel = (caps: unknown): boolean => {
  const experimental = (caps as { experimental?: Record<string, unknown> } | undefined)?.experimental
  return !!experimental && typeof experimental === 'object' && CHANNEL_CAPABILITY in experimental
}

/** The last path segment of the first root (or of its name): never more of the path than that. */
export const workspaceOf = (roots: { uri: string; name?: string }[]): string | undefined => {
  const root = roots[0]
  if (!root) return undefined
  const last = (path: string) => path.split(/[\\/]/).filter(Boolean).pop()
  if (root.name) return clip(last(root.name), 128)
  try {
    return clip(last(decodeURIComponent(new URL(root.uri).pathname)), 128)
  } catch {
    return undefined
  }
}

export interface ClientHello {
  clientInfo?: { name?: unknown; version?: unknown; title?: unknown }
  capabilities?: unknown
}

export const agentFromHello = (session: string, transport: AgentInfo['transport'], hello: ClientHello, now = Date.now()): AgentInfo => {
  const info: AgentInfo = {
    session,
    client: clip(hello.clientInfo?.name, 128) ?? 'unknown-client',
    capabilities: capabilitySummary(hello.capabilities),
    ready: false,
    transport,
    since: now
  }
  const version = clip(hello.clientInfo?.version, 64)
  const title = clip(hello.clientInfo?.title, 128)
  if (version) info.version = version
  if (title) info.title = title
  return info
}

/** A name a person recognises: the agent, and where it works. */
export const displayName = (agent: AgentInfo): string => {
  const base = agent.client.replace(/\s+/g, '-')
  return (agent.workspace ? `${base}@${agent.workspace.replace(/\s+/g, '-')}` : base).slice(0, 128)
}
