/**
 * Notices that the agent that launched this peer is gone. Node has no PR_SET_PDEATHSIG, so a timer polls:
 * a change of process.ppid means the parent died and we were reparented. A launcher such as npx may put
 * more processes between the agent and us (npx, then sh); they all share our stdin pipe, so on Linux the
 * watch also covers each ancestor up the chain while it holds the same stdin, plus the first one that
 * does not (the agent itself). Any of them dying ends the peer.
 */
import { readlinkSync } from 'node:fs'
import { isProcessAlive, processInfo, type ProcessIdentity } from '../process-identity.js'

const stdinOf = (pid: number | 'self'): string | null => {
  try {
    return readlinkSync(`/proc/${pid}/fd/0`)
  } catch {
    return null
  }
}

/** Ancestors that launched us around one stdin, nearest first; empty where there is no /proc. */
export const launcherChain = (maxDepth = 8): ProcessIdentity[] => {
  const ours = stdinOf('self')
  const chain: ProcessIdentity[] = []
  let pid = process.ppid
  while (ours && pid > 1 && chain.length < maxDepth) {
    const info = processInfo(pid)
    if (!info) break
    chain.push({ pid, pidStart: info.pidStart })
    if (stdinOf(pid) !== ours) break
    pid = info.ppid
  }
  return chain
}

export class ParentWatch {
  private timer: NodeJS.Timeout | null = null

  constructor(
    private readonly onGone: (reason: string) => void,
    private readonly intervalMs = 250
  ) {}

  start(): void {
    const ppid = process.ppid
    const chain = launcherChain()
    this.timer = setInterval(() => {
      if (process.ppid !== ppid) return this.gone(`parent process ${ppid} exited`)
      const dead = chain.find((p) => !isProcessAlive(p))
      if (dead) this.gone(`launcher process ${dead.pid} exited`)
    }, this.intervalMs)
    // Never what keeps the process alive.
    this.timer.unref()
  }

  private gone(reason: string): void {
    this.stop()
    this.onGone(reason)
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }
}
