/**
 * One idempotent way out. Every reason to stop (a signal, a second signal, EPIPE on stdout or stderr,
 * an uncaught error, and any other reason the embedding code has) calls request(): the peer leaves the
 * directory and servers.json first, then exits. A watchdog bounds the whole thing, since the process
 * that sent the signal is owed an exit, not a plan. Later requests only log; they never cut the leaving
 * short (a terminal's Ctrl-C reaches the whole process group, and a second one used to skip cleanup).
 */
import type { Logger } from './log.js'

export interface ShutdownOptions {
  /** Leaves the mesh and closes everything; may reject (logged, exit still happens). */
  stop: () => Promise<void>
  log: Logger
  watchdogMs?: number
  exit?: (code: number) => void
}

export class Shutdown {
  private leaving: Promise<void> | null = null
  private exitCode = 0
  private proc: NodeJS.Process | null = null

  constructor(private readonly opts: ShutdownOptions) {}

  get requested(): boolean {
    return this.leaving !== null
  }

  request(reason: string, code = 0): Promise<void> {
    this.exitCode = Math.max(this.exitCode, code)
    // Also the code of an exit nobody calls: if leaving leaves the event loop empty before it ends,
    // Node exits on its own, and a supervisor must not read a crash as a clean stop.
    if (this.proc && this.exitCode) this.proc.exitCode = this.exitCode
    if (this.leaving) {
      this.opts.log.debug(`${reason}: already leaving`)
      return this.leaving
    }
    const { log, watchdogMs = 1800, exit = (c: number) => process.exit(c) } = this.opts
    log.info(`${reason}: leaving the mesh`)
    const watchdog = setTimeout(() => {
      log.warn(`leaving took over ${watchdogMs} ms; exiting anyway`)
      exit(this.exitCode || 1)
    }, watchdogMs)
    watchdog.unref()
    this.leaving = this.opts
      .stop()
      .catch((err: Error) => {
        log.error(`while leaving: ${err.message}`)
        this.exitCode ||= 1
      })
      .then(() => {
        clearTimeout(watchdog)
        exit(this.exitCode)
      })
    return this.leaving
  }

  /** Routes the process's own ways of ending through request(). */
  install(proc: NodeJS.Process = process): void {
    this.proc = proc
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) proc.on(signal, () => void this.request(signal))
    // EPIPE: whoever read our output has gone (an orphaned peer's pipes closed). Without a listener
    // it is an unhandled 'error' that kills the process before it leaves the mesh.
    // A broken pipe keeps emitting one 'error' per write: only the first is news.
    proc.stdout.once('error', (err) => void this.request(`stdout ${(err as NodeJS.ErrnoException).code ?? err.message}`))
    proc.stderr.once('error', (err) => void this.request(`stderr ${(err as NodeJS.ErrnoException).code ?? err.message}`))
    proc.stdout.on('error', () => {})
    proc.stderr.on('error', () => {})
    proc.on('uncaughtException', (err) => {
      this.opts.log.error(`uncaught: ${err.stack ?? err.message}`)
      void this.request('uncaught exception', 1)
    })
    proc.on('unhandledRejection', (err) => {
      this.opts.log.error(`unhandled rejection: ${(err as Error)?.stack ?? String(err)}`)
      void this.request('unhandled rejection', 1)
    })
  }
}
