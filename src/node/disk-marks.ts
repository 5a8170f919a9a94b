/**
 * Which of a room file's updates are on disk. Each update is numbered as it is queued; a writer marks
 * "everything through n is kept" after its fdatasync (or a snapshot that holds it). A waiter asks for
 * what was queued when it asked, not for the file to go quiet: in a room that clients keep writing, the
 * writer never goes idle, and a write_room waiting for that waited as long as they wrote.
 */
interface Waiter {
  through: number
  resolve: (kept: boolean) => void
}

export class DiskMarks {
  /** Updates queued so far. */
  queued = 0
  private kept = 0
  private waiters: Waiter[] = []

  /** Numbers one more update; returns its number. */
  queue(): number {
    return ++this.queued
  }

  /** Everything through `n` is on disk. */
  keptThrough(n: number): void {
    if (n <= this.kept) return
    this.kept = n
    const due = this.waiters.filter((w) => w.through <= n)
    this.waiters = this.waiters.filter((w) => w.through > n)
    for (const w of due) w.resolve(true)
  }

  /** A write failed: whoever waits is told no (what they wait for may sit behind a broken frame). */
  failed(): void {
    const all = this.waiters
    this.waiters = []
    for (const w of all) w.resolve(false)
  }

  /** True once everything queued so far is on disk; false if a write failed first. */
  wait(): Promise<boolean> {
    const through = this.queued
    if (through <= this.kept) return Promise.resolve(true)
    return new Promise((resolve) => this.waiters.push({ through, resolve }))
  }
}
