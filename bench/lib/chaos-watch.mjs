/**
 * The judge of a chaos run. Fed samples (every observer's list of peer ids, and servers.json) and the
 * truth (which peers run, which are stopped, which are gone and since when), it records:
 *   agreement  after a fault, the first sample (started after it) in which every running peer's
 *              /registry and the page list exactly the running peers;
 *   anomalies  a running peer missing from an observer for longer than missingMs (a false eviction,
 *              or a join that never arrived); a stopped or gone peer still listed after staleMs; a
 *              servers.json entry of a dead pid, or a running peer missing from it, after fileMs;
 *              a peer that exits unasked, or exits non-zero after SIGTERM; a fault never agreed on.
 * Intervals start no earlier than the moment the state changed for the observer or the peer (a peer
 * just continued from SIGSTOP is owed a rejoin, an observer just continued is owed a resync).
 */
export class ChaosWatch {
  constructor({ missingMs, staleMs, fileMs }) {
    this.bounds = { missingMs, staleMs, fileMs }
    this.anomalies = []
    this.longest = { missing_ms: 0, stale_ms: 0, file_ms: 0 }
    this.samples = 0
    this.missing = new Map()
    this.stale = new Map()
    this.file = new Map()
    this.waiting = null
  }

  anomaly(kind, detail) {
    this.anomalies.push({ kind, at_s: Math.round(performance.now()) / 1000, ...detail })
  }

  /** A fault happened at time t: agreement is looked for from the next sample on. */
  fault(t) {
    this.waiting = { t, at: null }
    return this.waiting
  }

  /**
   * One sample. truth: Map id -> { state: 'running'|'stopped'|'gone', since, pid, exitedAt }.
   * views: Map observer -> { since, ids: string[] | null (no answer) }. file: entries or null.
   */
  ingest({ t0, t1, truth, views, file }) {
    this.samples++
    const running = [...truth].filter(([, r]) => r.state === 'running').map(([id]) => id).sort()
    this.judgeViews(t0, t1, truth, running, views)
    if (file) this.judgeFile(t0, t1, truth, file)
    const everyoneAnswered = [...views.values()].every((v) => v.ids !== null)
    const want = running.join()
    const agreed = everyoneAnswered && [...views.values()].every((v) => [...v.ids].sort().join() === want)
    if (agreed && this.waiting && this.waiting.at === null && t0 >= this.waiting.t) this.waiting.at = t1
  }

  /** Carries an interval over from the last sample, or starts one no earlier than `floor`. */
  track(prev, next, key, t0, floor) {
    const since = prev.get(key)?.since ?? Math.max(t0, floor)
    const entry = { since, reported: prev.get(key)?.reported ?? false }
    next.set(key, entry)
    return entry
  }

  judgeViews(t0, t1, truth, running, views) {
    const missing = new Map()
    const stale = new Map()
    for (const [obs, view] of views) {
      if (view.ids === null) {
        for (const [k, v] of this.missing) if (k.startsWith(`${obs}>`)) missing.set(k, v)
        for (const [k, v] of this.stale) if (k.startsWith(`${obs}>`)) stale.set(k, v)
        continue
      }
      const listed = new Set(view.ids)
      for (const id of running) {
        if (listed.has(id)) continue
        const m = this.track(this.missing, missing, `${obs}>${id}`, t0, Math.max(truth.get(id).since, view.since))
        this.longest.missing_ms = Math.max(this.longest.missing_ms, t1 - m.since)
        if (!m.reported && t1 - m.since > this.bounds.missingMs) {
          m.reported = true
          this.anomaly('false-eviction', { observer: obs, peer: id, missing_ms: Math.round(t1 - m.since) })
        }
      }
      for (const id of listed) {
        const r = truth.get(id)
        if (r?.state === 'running') continue
        const s = this.track(this.stale, stale, `${obs}>${id}`, t0, Math.max(r?.since ?? t0, view.since))
        this.longest.stale_ms = Math.max(this.longest.stale_ms, t1 - s.since)
        if (!s.reported && t1 - s.since > this.bounds.staleMs) {
          s.reported = true
          this.anomaly('stale-entry', { observer: obs, peer: id, state: r?.state ?? 'unknown', listed_ms: Math.round(t1 - s.since) })
        }
      }
    }
    this.missing = missing
    this.stale = stale
  }

  /** servers.json against the pids: dead ones pruned, running ones listed, within fileMs. */
  judgeFile(t0, t1, truth, entries) {
    const next = new Map()
    const inFile = new Set(entries.map((e) => e.id))
    const check = (key, floor, what) => {
      const f = this.track(this.file, next, key, t0, floor)
      this.longest.file_ms = Math.max(this.longest.file_ms, t1 - f.since)
      if (!f.reported && t1 - f.since > this.bounds.fileMs) {
        f.reported = true
        this.anomaly('servers-json', { ...what, for_ms: Math.round(t1 - f.since) })
      }
    }
    for (const e of entries) {
      const r = truth.get(e.id)
      if (!r) check(`unknown>${e.id}`, t0, { peer: e.id, problem: 'an entry of no process of this run' })
      else if (r.exitedAt !== null) check(`dead>${e.id}`, r.exitedAt, { peer: e.id, pid: e.pid, problem: 'an entry of a dead pid' })
    }
    for (const [id, r] of truth) {
      if (r.state === 'running' && !inFile.has(id)) check(`absent>${id}`, r.since, { peer: id, pid: r.pid, problem: 'a running peer missing from the file' })
    }
    this.file = next
  }
}
