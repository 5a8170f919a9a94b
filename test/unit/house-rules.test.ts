/** The house's size rules, checked on every run: no file in src/ over 300 lines, no function over 80. */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const SRC = resolve(import.meta.dirname, '../../src')

const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []))

const functionsOver = (file: string, max: number): string[] => {
  const text = readFileSync(file, 'utf8')
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
  const out: string[] = []
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line
      const last = sf.getLineAndCharacterOfPosition(node.getEnd()).line
      if (last - first + 1 > max) out.push(`${relative(SRC, file)}:${first + 1} (${last - first + 1} lines)`)
    }
    ts.forEachChild(node, visit)
  }
  visit(sf)
  return out
}

describe('house rules', () => {
  const files = sources(SRC)

  it('no file in src/ is over 300 lines', () => {
    const big = files.filter((f) => readFileSync(f, 'utf8').split('\n').length > 300).map((f) => relative(SRC, f))
    expect(big).toEqual([])
  })

  it('no function in src/ is over 80 lines', () => {
    expect(files.flatMap((f) => functionsOver(f, 80))).toEqual([])
  })
})
