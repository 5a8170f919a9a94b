/**
 * Sending a message to another peer's agent: the recipient is found in the directory by id or name,
 * and the message goes straight to its URL as POST /inbox (one hop, no routing through directory
 * links). Every failure is a DeliveryError whose message an agent can act on; nothing is dropped
 * silently. One keep-alive agent per peer, so a conversation pays the TCP handshake once.
 */
import { Agent, request } from 'node:http'
import type { PeerEntry } from '../shared/schema.js'
import type { WireMessage } from './inbox.js'

/**
 * The headers of a fresh link proof for `target` (Peer.linkProof): the message shows it instead of the
 * access token, so a process that bound a dead peer's port before the mesh evicted it learns nothing it
 * can use. Headers, not the proof alone: importing link-auth.ts here made it a chunk of its own, one
 * more module for every peer's start (docs/architecture.md, Costs as the mesh grows).
 */
export type ProofFor = (target: PeerEntry) => Record<string, string>

export class DeliveryError extends Error {}

/** A peer by exact id, else by exact name, else by name ignoring case; ambiguity and absence are errors. */
export const findPeer = (peers: PeerEntry[], to: string): PeerEntry => {
  const key = to.trim()
  const byId = peers.find((p) => p.id === key)
  if (byId) return byId
  for (const same of [(p: PeerEntry) => p.name === key, (p: PeerEntry) => p.name.toLowerCase() === key.toLowerCase()]) {
    const hits = peers.filter(same)
    if (hits.length === 1) return hits[0]!
    if (hits.length > 1) throw new DeliveryError(`${hits.length} peers are named ${JSON.stringify(key)}: use an id (${hits.map((p) => p.id).join(', ')})`)
  }
  const known = peers.slice(0, 10).map((p) => `${p.name} (${p.id})`).join(', ')
  throw new DeliveryError(`no peer ${JSON.stringify(key)} in the mesh${known ? `; peers: ${known}` : ''}`)
}

/** POST /inbox answers a line of JSON (inbox-route.ts): what is kept of an answer. */
const MAX_ANSWER_CHARS = 4096

interface PostAnswer {
  status: number
  body: string
}

export class Messenger {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 4 })

  /** Resolves once the recipient's peer holds the message in its inbox. */
  async deliver(target: PeerEntry, msg: WireMessage, proof: ProofFor, timeoutMs = 3000): Promise<{ seq: number; duplicate: boolean }> {
    let answer: PostAnswer
    try {
      answer = await this.post(`${target.url}/inbox`, JSON.stringify(msg), proof(target), timeoutMs)
    } catch (err) {
      // A kept-alive socket the other side had just closed: once more on a fresh one (the id dedups).
      if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') throw this.failure(target, err)
      // A proof's nonce is taken once: the retry shows a fresh one.
      answer = await this.post(`${target.url}/inbox`, JSON.stringify(msg), proof(target), timeoutMs).catch((e) => {
        throw this.failure(target, e)
      })
    }
    if (answer.status !== 200) throw new DeliveryError(`peer ${target.name} (${target.id}) refused the message: HTTP ${answer.status} ${answer.body.slice(0, 200)}`)
    const { seq, duplicate } = JSON.parse(answer.body) as { seq: number; duplicate: boolean }
    return { seq, duplicate }
  }

  private failure(target: PeerEntry, err: unknown): DeliveryError {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message
    return new DeliveryError(`peer ${target.name} (${target.id}) at ${target.url} did not take the message (${code}); it has probably left the mesh`)
  }

  private post(url: string, body: string, proof: Record<string, string>, timeoutMs: number): Promise<PostAnswer> {
    return new Promise((resolve, reject) => {
      const req = request(url, { method: 'POST', agent: this.agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...proof }, timeout: timeoutMs }, (res) => {
        // Read to the end, unlike capped-body.ts, which stops at its cap: the kept-alive socket serves the
        // next message only once this answer is drained. (Importing it here also cost every peer 3.3 MiB:
        // docs/architecture.md, Costs as the mesh grows.)
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (d: string) => (text.length < MAX_ANSWER_CHARS ? (text += d) : undefined))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
        res.on('error', reject)
      })
      req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer in ${timeoutMs} ms`), { code: 'ETIMEDOUT' })))
      req.on('error', reject)
      req.end(body)
    })
  }

  close(): void {
    this.agent.destroy()
  }
}
