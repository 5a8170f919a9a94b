import { describe, expect, it } from 'vitest'
import { agentFromHello, capabilitySummary, displayName, wantsChannel, workspaceOf } from '../../src/node/mcp/agent-info.js'
import { agentInfoSchema } from '../../src/shared/schema.js'

describe('agent info from initialize', () => {
  it('names the workspace by the last path segment only', () => {
    expect(workspaceOf([{ uri: 'file:///home/alice/src/peer-plan' }])).toBe('peer-plan')
    expect(workspaceOf([{ uri: 'file:///home/alice/src/peer-plan/' }])).toBe('peer-plan')
    expect(workspaceOf([{ uri: 'file:///C:/Users/a/My%20Project' }])).toBe('My Project')
    expect(workspaceOf([{ uri: 'file:///home/alice/x', name: '/home/alice/secret/plan' }])).toBe('plan')
    expect(workspaceOf([{ uri: 'file:///a/first' }, { uri: 'file:///b/second' }])).toBe('first')
    expect(workspaceOf([])).toBeUndefined()
    expect(workspaceOf([{ uri: 'not a uri' }])).toBeUndefined()
  })

  it('summarises capabilities by name, experimental ones prefixed, at most 16', () => {
    expect(capabilitySummary({ roots: { listChanged: true }, sampling: {}, experimental: { 'claude/channel': {} } })).toEqual(['roots', 'sampling', 'experimental:claude/channel'])
    expect(capabilitySummary(Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`c${i}`, {}])))).toHaveLength(16)
    expect(capabilitySummary(null)).toEqual([])
    expect(wantsChannel({ experimental: { 'claude/channel': {} } })).toBe(true)
    expect(wantsChannel({ experimental: {} })).toBe(false)
    expect(wantsChannel(undefined)).toBe(false)
  })

  it('always yields an entry the directory schema accepts, whatever the client sent', () => {
    const hostile = agentFromHello('0123456789abcdef', 'stdio', { clientInfo: { name: `${'n'.repeat(500)}\u0000\n`, version: 42 as unknown as string, title: 't'.repeat(500) }, capabilities: 'nonsense' })
    expect(agentInfoSchema.safeParse(hostile).success).toBe(true)
    expect(hostile.client).toHaveLength(128)
    expect(hostile.version).toBeUndefined()
    const empty = agentFromHello('0123456789abcdef', 'socket', {})
    expect(empty).toMatchObject({ client: 'unknown-client', ready: false, capabilities: [] })
    expect(agentInfoSchema.safeParse(empty).success).toBe(true)
  })

  it('a display name is agent@workspace, without spaces', () => {
    const a = agentFromHello('0123456789abcdef', 'stdio', { clientInfo: { name: 'Claude Code' } })
    expect(displayName(a)).toBe('Claude-Code')
    expect(displayName({ ...a, workspace: 'my app' })).toBe('Claude-Code@my-app')
  })
})
