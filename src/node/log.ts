/** Logs go to stderr only: stdout belongs to MCP's JSON-RPC. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

export interface Logger {
  error(msg: string): void
  warn(msg: string): void
  info(msg: string): void
  debug(msg: string): void
}

export const createLogger = (level: LogLevel, prefix: string, write: (line: string) => void = (l) => process.stderr.write(l)): Logger => {
  const max = LOG_LEVELS.indexOf(level)
  const at = (lvl: LogLevel) => (msg: string) => {
    if (LOG_LEVELS.indexOf(lvl) <= max) write(`${new Date().toISOString()} ${prefix} ${lvl}: ${msg}\n`)
  }
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') }
}
