/**
 * Is the process behind a registry entry still the one that wrote it? A pid alone is not enough: pids are
 * reused. On Linux the process start time (field 22 of /proc/<pid>/stat) pins the pid to one process;
 * elsewhere we fall back to kill(pid, 0).
 */
import { readFileSync } from 'node:fs'
import { hostname } from 'node:os'

export interface ProcessIdentity {
  pid: number
  pidStart: number | null
}

const readStat = (pid: number): { state: string; ppid: number; start: number } | null => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // comm (field 2) is parenthesised and may hold spaces or parens: split after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return { state: rest[0] ?? '', ppid: Number(rest[1]), start: Number(rest[19]) }
  } catch {
    return null
  }
}

const hasProc = (() => {
  try {
    readFileSync('/proc/self/stat')
    return true
  } catch {
    return false
  }
})()

export const selfIdentity = (): ProcessIdentity => ({
  pid: process.pid,
  pidStart: hasProc ? (readStat(process.pid)?.start ?? null) : null
})

/** Identifies this boot of this machine; pids mean nothing across machines. */
export const machineId = (): string => {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
  } catch {
    return hostname()
  }
}

/**
 * The scheduler state of a live process of ours ('R', 'S', 'D', 'T' stopped, 't' traced, ...), or null
 * where there is no /proc or the pid is gone. 'T' is how a SIGSTOPped peer is told from a busy one.
 */
export const processState = (id: ProcessIdentity): string | null => {
  if (!hasProc) return null
  const stat = readStat(id.pid)
  if (!stat || (id.pidStart !== null && stat.start !== id.pidStart)) return null
  return stat.state
}

/** A process's identity and its parent's pid, or null where there is no /proc or the pid is gone. */
export const processInfo = (pid: number): (ProcessIdentity & { ppid: number }) | null => {
  const stat = hasProc ? readStat(pid) : null
  return stat ? { pid, pidStart: stat.start, ppid: stat.ppid } : null
}

/** False for a dead pid, a zombie, or a pid now held by another process. */
export const isProcessAlive = (id: ProcessIdentity): boolean => {
  if (hasProc) {
    const stat = readStat(id.pid)
    if (!stat) return false
    if (stat.state === 'Z' || stat.state === 'X') return false
    return id.pidStart === null || stat.start === id.pidStart
  }
  try {
    process.kill(id.pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
