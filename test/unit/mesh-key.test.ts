import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Logger } from '../../src/node/log.js'
import { loadMeshKey, SecretError } from '../../src/node/mesh-key.js'
import { tempDir } from '../helpers/temp.js'

const recording = (): { log: Logger; warnings: string[] } => {
  const warnings: string[] = []
  const none = (): void => {}
  return { log: { error: none, warn: (m) => warnings.push(m), info: none, debug: none }, warnings }
}

const planted = (dir: string, name: string, text: string, mode: number): string => {
  const path = join(dir, name)
  writeFileSync(path, text)
  chmodSync(path, mode)
  return path
}

const modeOf = (path: string): number => statSync(path).mode & 0o777

describe('loadMeshKey with a secret file', () => {
  it('leaves a file that is not a key exactly as it was: mode, content, and no warning', async () => {
    const dir = tempDir()
    const text = 'not a key, just a shared config file\n'
    const path = planted(dir, 'shared.conf', text, 0o644)
    const { log, warnings } = recording()
    await expect(loadMeshKey(join(dir, 'home'), path, log)).rejects.toThrow(SecretError)
    await expect(loadMeshKey(join(dir, 'home'), path, log)).rejects.toThrow(/a mesh key is at least 32 hex digits/)
    expect(modeOf(path)).toBe(0o644)
    expect(readFileSync(path, 'utf8')).toBe(text)
    expect(warnings).toEqual([])
  })

  it('tightens a real key that others could read, with one warning', async () => {
    const dir = tempDir()
    const hex = 'ab'.repeat(32)
    const path = planted(dir, 'team.key', `${hex}\n`, 0o644)
    const { log, warnings } = recording()
    expect((await loadMeshKey(join(dir, 'home'), path, log)).toString('hex')).toBe(hex)
    expect(modeOf(path)).toBe(0o600)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain('was readable by others (mode 644); set to 600')
  })
})
