import type { ChildProcess } from 'node:child_process'

export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
}

export interface ProcessHandle {
  proc: ChildProcess
  pid: number
  /** Resolves when the process has exited (or could not start). */
  exited: Promise<Exit>
  stdout(): string
  stderr(): string
  /** Whether it has exited (with `group`: every process of its group). */
  done(): boolean
  /** Sends signal (default SIGKILL; with `group`, to the whole group) and returns at once. */
  kill(signal?: NodeJS.Signals): void
  /** SIGCONT, then signal (default SIGKILL), then waits for the exit; escalates to SIGKILL after escalateAfterMs. */
  stop(signal?: NodeJS.Signals, escalateAfterMs?: number): Promise<Exit>
}

export interface PeerProc extends ProcessHandle {
  url: string
  port: number
  id: string
  /** The mesh's access token, from the dashboard URL of the ready line. */
  token: string
  /** performance.now() when the ready line was read. */
  readyAt: number
}

export interface CliOptions {
  home: string
  args?: string[]
  env?: Record<string, string>
  /** A command to run node under, e.g. ['ip', 'netns', 'exec', 'ns1']. */
  wrap?: string[]
  /** 'pipe' to write to the peer's stdin through proc.stdin. */
  stdin?: 'ignore' | 'pipe'
  /** Instead of `node <this repo's CLI>`, e.g. ['npx', 'peer-plan-node']. */
  command?: string[]
  cwd?: string
  /** Its own process group, signalled and waited for as a whole (for `command`s like npx: startProcess says why). */
  group?: boolean
}

export declare const CLI: string
export declare const startProcess: (command: string, args: string[], opts?: { env?: NodeJS.ProcessEnv; stdin?: 'ignore' | 'pipe'; cwd?: string; group?: boolean }) => ProcessHandle
export declare const killAll: () => Promise<void>
export declare const peerEnv: (home: string, env?: Record<string, string>) => NodeJS.ProcessEnv
export declare const startCli: (opts: CliOptions) => ProcessHandle
export declare const startPeer: (opts: CliOptions) => ProcessHandle & { ready: Promise<PeerProc> }
export declare const spawnPeer: (opts: CliOptions) => Promise<PeerProc>
