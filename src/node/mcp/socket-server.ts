/**
 * Every peer also serves MCP on a Unix socket, $PEER_PLAN_HOME/run/<id>.sock (directory 0700, socket
 * 0600), so that local tools reach a running peer without spawning one. Each connection is its own MCP
 * session. At start, sockets in run/ that nobody listens on (their peer died without cleaning up) are
 * removed; a socket that accepts a connection belongs to a live peer and is never touched.
 */
import { promises as fs } from 'node:fs'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { dirname, join } from 'node:path'
import { ensurePrivateDir } from '../atomic-file.js'

export const runDir = (home: string): string => join(home, 'run')
export const socketPathFor = (home: string, id: string): string => join(runDir(home), `${id}.sock`)

/** Longest path a Unix socket address holds (sun_path, with its NUL) on Linux. */
const MAX_SOCKET_PATH = 107

/** True when something accepts connections at `path` (or does not answer at once: then assume it lives). */
export const socketAnswers = (path: string, timeoutMs = 300): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect(path)
    const done = (live: boolean) => {
      clearTimeout(timer)
      s.destroy()
      resolve(live)
    }
    const timer = setTimeout(() => done(true), timeoutMs)
    s.on('connect', () => done(true))
    s.on('error', (err: NodeJS.ErrnoException) => done(err.code !== 'ECONNREFUSED' && err.code !== 'ENOENT'))
  })

/**
 * Removes the sockets in `dir` that no process listens on; returns their file names. `knownLive` names
 * the ids whose process is known to run (servers.json): their sockets are not even probed.
 */
export const reclaimStaleSockets = async (dir: string, knownLive: (id: string) => boolean = () => false): Promise<string[]> => {
  const names = await fs.readdir(dir).catch(() => [] as string[])
  const reclaimed: string[] = []
  await Promise.all(
    names
      .filter((n) => n.endsWith('.sock') && !knownLive(n.slice(0, -'.sock'.length)))
      .map(async (name) => {
        const path = join(dir, name)
        const st = await fs.lstat(path).catch(() => null)
        if (!st?.isSocket() || (await socketAnswers(path))) return
        await fs.unlink(path).then(() => reclaimed.push(name), () => {})
      })
  )
  return reclaimed.sort()
}

export class AgentSocketServer {
  private readonly sockets = new Set<Socket>()

  private constructor(
    private readonly server: Server,
    readonly path: string
  ) {
    server.on('connection', (s) => {
      this.sockets.add(s)
      s.on('close', () => this.sockets.delete(s))
    })
  }

  static async listen(path: string, onConnection: (socket: Socket) => void): Promise<AgentSocketServer> {
    if (Buffer.byteLength(path) > MAX_SOCKET_PATH) throw new Error(`socket path ${path} is longer than ${MAX_SOCKET_PATH} bytes`)
    await ensurePrivateDir(dirname(path))
    const server = createServer(onConnection)
    const self = new AgentSocketServer(server, path)
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(path, () => resolve())
    })
    // The directory is already 0700; the mode is a second lock on the same door.
    await fs.chmod(path, 0o600)
    return self
  }

  /** Cuts every client, stops listening and removes the socket file. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
    await fs.unlink(this.path).catch(() => {})
  }
}
