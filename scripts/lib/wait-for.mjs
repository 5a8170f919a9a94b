/**
 * The one poller of the tests and the bench: checks a condition until it holds or a deadline passes,
 * instead of sleeping for a time that is too long on a quiet machine and too short on a busy one.
 */

const timedOut = Symbol('timed out')

/**
 * Resolves with check's first truthy value. A check that throws counts as not yet; past the deadline
 * it rejects, naming what it waited for and the last value or error it saw. A check that hangs is cut
 * off by the same deadline.
 */
export const waitFor = async (check, what, timeoutMs = 10000, intervalMs = 20) => {
  let timer
  const deadline = new Promise((r) => (timer = setTimeout(r, timeoutMs, timedOut)))
  let last
  try {
    for (;;) {
      try {
        last = await Promise.race([check(), deadline])
        if (last === timedOut) last = 'a check still running'
        else if (last) return last
      } catch (err) {
        last = err
      }
      if ((await Promise.race([deadline, new Promise((r) => setTimeout(r, intervalMs))])) === timedOut) break
    }
  } finally {
    clearTimeout(timer)
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`)
}
