/**
 * The one way the tests, the bench and bench/scale start real peer-plan-node processes: the CLI users
 * run, never an in-process stand-in. Plain JavaScript so the .mjs scripts import it without a build;
 * spawn-peer.d.mts types it for the TypeScript tests.
 */
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { boundedText } from './bounded-text.mjs'
import { RUN_ENV } from './run-marker.mjs'
import { waitFor } from './wait-for.mjs'

export const CLI = fileURLToPath(new URL('../../bin/peer-plan-node.js', import.meta.url))
// The dashboard URL at the end carries the mesh's access token in its fragment.
const READY = /ready (http:\/\/\S+) name=\S+ id=(\S+) .*#token=([0-9a-f]+)/

/** Every child started here and not yet exited, so a caller can end them all. */
const live = new Set()

/** Whether `pid` runs (is no zombie) in process group `pgid`, from /proc/<pid>/stat. */
const runsInGroup = (pid, pgid) => {
  let stat
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return false // gone meanwhile
  }
  // After the command name in parentheses: state, ppid, pgrp.
  const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return state !== 'Z' && Number(pgrp) === pgid
}

/**
 * Whether no process of group `pgid` still runs. Zombies count as gone: an orphan's zombie waits for
 * PID 1 to reap it, and a container's PID 1 may never do so. Without /proc, kill(-pgid, 0) answers.
 */
const groupGone = (pgid) => {
  if (existsSync('/proc/self/stat')) return !readdirSync('/proc').some((pid) => /^\d+$/.test(pid) && runsInGroup(pid, pgid))
  try {
    process.kill(-pgid, 0)
    return false
  } catch (err) {
    return err.code === 'ESRCH'
  }
}

/** Bounded: a process that outlives this is the leak check's to report, not a hang of whoever waits. */
const untilGroupGone = (pgid) => waitFor(() => groupGone(pgid), `every process of group ${pgid} to exit`, 30_000).catch(() => {})

/**
 * A child process with bounded stdout/stderr, tracked until it exits. stdin is 'ignore' unless the
 * caller asks for a pipe (then it is proc.stdin).
 *
 * `group`: the child leads a process group of its own, every signal goes to the whole group, and
 * `exited` waits for all of it. For a command that runs the real process below it, as `npx` does: npm
 * passes a SIGTERM to the `sh -c` it runs the bin with, and sh dies without passing it on, so signalling
 * npx alone leaves the peer behind it.
 */
export const startProcess = (command, args, { env = process.env, stdin = 'ignore', cwd, group = false } = {}) => {
  const proc = spawn(command, args, { env, cwd, stdio: [stdin, 'pipe', 'pipe'], detached: group })
  const out = boundedText()
  const err = boundedText()
  proc.stdout.setEncoding('utf8').on('data', (d) => out.append(d))
  proc.stderr.setEncoding('utf8').on('data', (d) => err.append(d))
  const leaderExited = new Promise((done) => {
    proc.once('exit', (code, signal) => done({ code, signal }))
    // A command that cannot start (a wrap that is not installed) emits 'error' and never 'exit'.
    proc.once('error', (error) => {
      err.append(`${command}: ${error.message}\n`)
      done({ code: null, signal: null })
    })
  })
  const exited = group && proc.pid ? leaderExited.then(async (exit) => (await untilGroupGone(proc.pid), exit)) : leaderExited
  const signal = (sig) => {
    if (!group || !proc.pid) return void proc.kill(sig)
    try {
      process.kill(-proc.pid, sig)
    } catch {
      // ESRCH: the group is gone already.
    }
  }
  const handle = {
    proc,
    pid: proc.pid,
    exited,
    done: () => (group && proc.pid ? groupGone(proc.pid) : isDone(proc)),
    stdout: () => out.text(),
    stderr: () => err.text(),
    kill: (sig = 'SIGKILL') => signal(sig),
    stop: (sig = 'SIGKILL', escalateAfterMs) => stopProcess(handle, sig, escalateAfterMs)
  }
  live.add(handle)
  void exited.then(() => live.delete(handle))
  return handle
}

const isDone = (proc) => proc.exitCode !== null || proc.signalCode !== null

/**
 * Sends signal and waits for the exit. SIGCONT first, so a peer a test has SIGSTOPped can act on it.
 * With escalateAfterMs, a child still there after that long gets SIGKILL.
 */
const stopProcess = async ({ exited, done, kill }, signal, escalateAfterMs) => {
  if (done()) return exited
  kill('SIGCONT')
  kill(signal)
  if (escalateAfterMs !== undefined && signal !== 'SIGKILL') {
    let timer
    const late = new Promise((r) => (timer = setTimeout(r, escalateAfterMs, 'late')))
    if ((await Promise.race([exited, late])) === 'late') kill('SIGKILL')
    clearTimeout(timer)
  }
  return exited
}

/** Ends every child still running (SIGCONT, SIGKILL) and resolves once they have all exited. */
export const killAll = () => Promise.all([...live].map((h) => h.stop('SIGKILL'))).then(() => undefined)

/**
 * The environment a peer gets: this one, minus the developer's own PEER_PLAN_* settings (which would
 * change what the peer does), with its own home. HOME is the home's parent so nothing the peer might
 * derive from HOME lands outside the temp dir. The run marker stays: it is how leftovers are traced.
 */
export const peerEnv = (home, env = {}) => {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PEER_PLAN_') || k === RUN_ENV))
  return { ...base, HOME: resolve(home, '..'), PEER_PLAN_HOME: home, ...env }
}

/**
 * Runs the CLI with exactly these args (under `wrap`, e.g. ['ip', 'netns', 'exec', 'ns1'], if given).
 * `command` replaces `node <this repo's CLI>`, e.g. ['npx', 'peer-plan-node'] in an installed package's `cwd`.
 */
export const startCli = ({ home, args = [], env = {}, wrap = [], stdin = 'ignore', command = [process.execPath, CLI], cwd, group = false }) => {
  const [exe, ...prefix] = [...wrap, ...command]
  return startProcess(exe, [...prefix, ...args], { env: peerEnv(home, env), stdin, cwd, group })
}

// mDNS would join the peers of every test file, bench scenario and checkout running at once: only a
// caller that chose a mode (a flag or PEER_PLAN_MDNS) gets one.
const mdnsChosen = (args, env) => args.some((a) => a === '--no-mdns' || a.startsWith('--mdns')) || env.PEER_PLAN_MDNS !== undefined

/**
 * Starts a peer. The handle is there at once (so a caller can register its cleanup before waiting);
 * `ready` resolves with the same handle, now carrying url, port, id, token and readyAt, when the peer prints
 * its ready line, and rejects with its stderr if it exits first.
 */
export const startPeer = (opts) => {
  const args = opts.args ?? []
  const handle = startCli({ ...opts, args: mdnsChosen(args, opts.env ?? {}) ? args : ['--no-mdns', ...args] })
  handle.ready = new Promise((resolveReady, reject) => {
    let partial = ''
    const onData = (chunk) => {
      const lines = (partial + chunk).split('\n')
      partial = lines.pop().slice(-4096)
      const m = lines.map((l) => READY.exec(l)).find(Boolean)
      if (!m) return
      handle.proc.stderr.off('data', onData)
      const url = m[1]
      resolveReady(Object.assign(handle, { url, port: Number(new URL(url).port), id: m[2], token: m[3], readyAt: performance.now() }))
    }
    handle.proc.stderr.on('data', onData)
    void handle.exited.then(({ code, signal }) => reject(new Error(`peer exited (${code ?? signal}) before ready:\n${handle.stderr()}`)))
  })
  return handle
}

/** Starts a peer and waits for its ready line. */
export const spawnPeer = (opts) => startPeer(opts).ready
