/** Logs go to stderr only: stdout belongs to MCP's JSON-RPC. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

export interface Logger {
  error(msg: string): void
  warn(msg: string): void
  info(msg: string): void
  debug(msg: string): void
}

/** Structural, so these declarations need no @types/node (process.stderr is one). */
export interface LineStream {
  on(event: 'error', listener: () => void): unknown
  write(line: string): unknown
}

/**
 * A line writer that goes quiet once its stream has failed (EPIPE: whoever read stderr has gone). Node
 * keeps such a pipe "writable" and emits one more 'error' per write, so a logger that went on writing,
 * or logged those errors, would spin the event loop.
 */
export const quietOnError = (stream: LineStream = process.stderr): ((line: string) => void) => {
  let broken = false
  stream.on('error', () => (broken = true))
  return (line) => {
    if (!broken) stream.write(line)
  }
}

export const createLogger = (level: LogLevel, prefix: string, write: (line: string) => void = quietOnError()): Logger => {
  const max = LOG_LEVELS.indexOf(level)
  const at = (lvl: LogLevel) => (msg: string) => {
    if (LOG_LEVELS.indexOf(lvl) <= max) write(`${new Date().toISOString()} ${prefix} ${lvl}: ${msg}\n`)
  }
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') }
}
