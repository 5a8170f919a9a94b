/**
 * Agents as a real client runs them: the official SDK's Client with StdioClientTransport spawning the
 * real CLI (or a wrapper around it, like npx), and a Client on a peer's Unix socket. Every agent is
 * closed, and every process it started killed, when the test that made it finishes.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { connect } from 'node:net'
import { Client, ReadBuffer, serializeMessage, type JSONRPCMessage, type Transport } from '@modelcontextprotocol/client'
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio'
import { onTestFinished } from 'vitest'
import { isProcessAlive, processInfo } from '../../src/node/process-identity.js'
import { CLI, waitFor } from './peers.js'

export interface Seen {
  method: string
  params: any
  at: number
}

export interface Agent {
  client: Client
  /** The peer's pid (from its log prefix), which is not the spawned pid when a wrapper runs it. */
  peerPid: () => Promise<number>
  spawnedPid: number
  stderr: () => string
  seen: Seen[]
  close(): Promise<void>
}

export interface AgentOptions {
  home: string
  name: string
  version?: string
  title?: string
  /** A root the client offers (a file:// path), or none. */
  root?: string
  args?: string[]
  env?: Record<string, string>
  /** Runs the CLI under this command line, e.g. ['sh', '-c', 'exec "$0" "$@"; true'] style wrappers. */
  wrap?: (node: string, cli: string, args: string[]) => { command: string; args: string[] }
  experimental?: Record<string, Record<string, never>>
}

const recorder = (client: Client, seen: Seen[]) => {
  const record = (n: { method: string; params?: unknown }) => void seen.push({ method: n.method, params: n.params, at: Date.now() })
  client.setNotificationHandler('notifications/resources/updated', record)
  client.setNotificationHandler('notifications/resources/list_changed', record)
  client.fallbackNotificationHandler = async (n) => record(n)
}

const makeClient = (opts: AgentOptions, seen: Seen[]): Client => {
  const client = new Client(
    { name: opts.name, version: opts.version ?? '1.0.0', ...(opts.title ? { title: opts.title } : {}) },
    { capabilities: { ...(opts.root ? { roots: { listChanged: true } } : {}), ...(opts.experimental ? { experimental: opts.experimental } : {}) } }
  )
  if (opts.root) client.setRequestHandler('roots/list', async () => ({ roots: [{ uri: `file://${opts.root}` }] }))
  recorder(client, seen)
  return client
}

/** Spawns the real CLI as an agent's MCP server and completes `initialize`. */
export const startAgent = async (opts: AgentOptions): Promise<Agent> => {
  const seen: Seen[] = []
  const client = makeClient(opts, seen)
  const args = ['--no-mdns', ...(opts.args ?? [])]
  const cmd = opts.wrap ? opts.wrap(process.execPath, CLI, args) : { command: process.execPath, args: [CLI, ...args] }
  const transport = new StdioClientTransport({ ...cmd, env: { PATH: process.env.PATH ?? '', PEER_PLAN_HOME: opts.home, HOME: `${opts.home}/..`, ...opts.env }, stderr: 'pipe' })
  let err = ''
  transport.stderr?.on('data', (d) => (err += d))
  const close = () => client.close().catch(() => {})
  onTestFinished(async () => {
    await close()
    const pid = Number(/peer-plan-node\[(\d+)\]/.exec(err)?.[1])
    if (pid && isProcessAlive({ pid, pidStart: null })) process.kill(pid, 'SIGKILL')
  })
  await client.connect(transport)
  const peerPid = () => waitFor(() => Number(/peer-plan-node\[(\d+)\]/.exec(err)?.[1]) || null, 'the peer to log its pid')
  return { client, peerPid, spawnedPid: transport.pid!, stderr: () => err, seen, close }
}

/** A client Transport over a Unix socket, framed as stdio is (one JSON-RPC message per line). */
export class SocketClientTransport implements Transport {
  onclose?: () => void
  onerror?: (error: Error) => void
  onmessage?: (message: JSONRPCMessage) => void
  private readonly buffer = new ReadBuffer()
  private readonly socket

  constructor(path: string) {
    this.socket = connect(path)
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.once('connect', () => resolve())
      this.socket.once('error', reject)
      this.socket.on('data', (chunk) => {
        this.buffer.append(chunk)
        for (let m = this.buffer.readMessage(); m; m = this.buffer.readMessage()) this.onmessage?.(m)
      })
      this.socket.on('error', (e) => this.onerror?.(e))
      this.socket.on('close', () => this.onclose?.())
    })
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(serializeMessage(message), (e) => (e ? reject(e) : resolve())))
  }

  async close(): Promise<void> {
    this.socket.end()
  }
}

export const socketAgent = async (path: string, opts: Omit<AgentOptions, 'home'>): Promise<{ client: Client; seen: Seen[] }> => {
  const seen: Seen[] = []
  const client = makeClient({ ...opts, home: '' }, seen)
  onTestFinished(() => client.close().catch(() => {}))
  await client.connect(new SocketClientTransport(path))
  return { client, seen }
}

/** The text of a tool result, failing the test on an error result unless `allowError`. */
export const call = async (client: Client, name: string, args: Record<string, unknown> = {}, allowError = false) => {
  const r = (await client.callTool({ name, arguments: args })) as { content: { type: string; text: string }[]; structuredContent?: any; isError?: boolean }
  if (r.isError && !allowError) throw new Error(`${name} failed: ${r.content[0]?.text}`)
  return { text: r.content.map((c) => c.text).join('\n'), data: r.structuredContent, isError: !!r.isError }
}

/** Whether a pid is alive (a zombie counts as gone). */
export const alive = (pid: number): boolean => isProcessAlive({ pid, pidStart: processInfo(pid)?.pidStart ?? null })

export interface RawProc {
  proc: ChildProcess
  out: () => string
  err: () => string
  exited: Promise<number | null>
  /** Writes one JSON-RPC request on the child's stdin pipe. */
  send: (id: number, method: string, params?: object) => void
  /** The JSON-RPC message on stdout with this id, if one came. */
  answer: (id: number) => any
}

/**
 * The CLI (or a wrapper) as a raw process with stdout and stderr collected, for what the SDK's client
 * would hide: stdout's exact lines, a stdin kept open. Killed when the test finishes.
 */
export const spawnRaw = (home: string, argv: string[], stdin: 'pipe' | 'ignore' | number = 'pipe'): RawProc => {
  const proc = spawn(process.execPath, argv, { env: { ...process.env, PEER_PLAN_HOME: home }, stdio: [stdin, 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  proc.stdout!.on('data', (d) => (out += d))
  proc.stderr!.on('data', (d) => (err += d))
  const exited = new Promise<number | null>((r) => proc.on('exit', r))
  onTestFinished(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL')
    const pid = Number(/peer-plan-node\[(\d+)\]/.exec(err)?.[1])
    if (pid && alive(pid)) process.kill(pid, 'SIGKILL')
  })
  const send = (id: number, method: string, params: object = {}) => void proc.stdin!.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n')
  const answer = (id: number) => out.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((m) => m.id === id)
  return { proc, out: () => out, err: () => err, exited, send, answer }
}

/** spawnRaw, once the peer has answered an `initialize` (id 1) from a client named `name`. */
export const initializedRaw = async (home: string, argv: string[], name = 'raw'): Promise<RawProc> => {
  const raw = spawnRaw(home, argv)
  raw.send(1, 'initialize', INITIALIZE(name))
  await waitFor(() => raw.answer(1), 'the initialize answer')
  return raw
}

export const INITIALIZE = (name: string) => ({ protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name, version: '1' } })
