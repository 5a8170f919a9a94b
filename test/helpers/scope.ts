/**
 * Where a test's resources are torn down. vitest 3.2 silently drops an afterAll registered inside a test
 * or a beforeAll, so teardown is registered where vitest honours it: onTestFinished for what a test
 * makes, an afterAll registered while the describe block is collected for what outlives one test.
 */
import { afterAll, onTestFinished } from 'vitest'

export interface Scope {
  /** Runs fn when the scope ends; the last deferred runs first, so a peer dies before its home goes. */
  defer(fn: () => unknown): void
}

/** The running test. Called anywhere else, vitest throws, which beats a silent leak. */
export const testScope = (): Scope => ({ defer: (fn) => onTestFinished(async () => void (await fn())) })

/**
 * For resources made in beforeAll or shared by the tests of a describe block: call it in the describe
 * body (not in a hook or a test), and pass the scope to the helpers.
 */
export const suiteScope = (): Scope => {
  const fns: (() => unknown)[] = []
  afterAll(async () => {
    const errors: unknown[] = []
    for (const fn of fns.splice(0).reverse()) await Promise.resolve().then(fn).catch((e: unknown) => errors.push(e))
    if (errors.length) throw new AggregateError(errors, `${errors.length} teardown step(s) failed`)
  })
  return { defer: (fn) => void fns.push(fn) }
}
