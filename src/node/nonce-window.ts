/**
 * The nonces a verifier has taken in the last `windowMs`, so that a recorded proof cannot be shown
 * twice: peer link headers (link-auth.ts) and pages' request proofs (request-proof.ts). Bounded: past
 * `max` the expired go first, then the oldest (a Map keeps insertion order).
 */
export class NonceWindow {
  private readonly seen = new Map<string, number>()

  constructor(
    readonly windowMs: number,
    private readonly max = 100_000
  ) {}

  /** Whether `ts` is within the window of `now`. */
  fresh(ts: number, now: number): boolean {
    return Number.isSafeInteger(ts) && Math.abs(now - ts) <= this.windowMs
  }

  get size(): number {
    return this.seen.size
  }

  has(nonce: string): boolean {
    return this.seen.has(nonce)
  }

  take(nonce: string, now: number): void {
    if (this.seen.size >= this.max) {
      for (const [n, at] of this.seen) if (now - at > this.windowMs) this.seen.delete(n)
      for (const n of this.seen.keys()) {
        if (this.seen.size < this.max) break
        this.seen.delete(n)
      }
    }
    this.seen.set(nonce, now)
  }
}
