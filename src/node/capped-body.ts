/**
 * Reading an HTTP body up to a cap: a request's (POST /inbox) or an answer's (node-get.ts). Past the
 * cap nothing more is buffered, so a sender that never stops costs at most `max` bytes.
 */
import type { IncomingMessage } from 'node:http'

/**
 * The body, or null once it passes `max` bytes (reading stops there; the caller answers or destroys).
 * Rejects if the message ends before it is complete: an error, or a connection closed without one.
 */
export const readCapped = (msg: IncomingMessage, max: number): Promise<Buffer | null> =>
  new Promise((resolve, reject) => {
    // Already over (cut, or read by someone else): no event would come.
    if (msg.destroyed || msg.readableEnded) return reject(new Error('the message was cut short'))
    const chunks: Buffer[] = []
    let size = 0
    msg.on('data', (c: Buffer) => {
      size += c.length
      if (size > max) {
        msg.removeAllListeners('data')
        msg.pause()
        return resolve(null)
      }
      chunks.push(c)
    })
    msg.on('end', () => resolve(Buffer.concat(chunks)))
    msg.on('error', reject)
    msg.on('close', () => msg.complete || reject(new Error('the message was cut short')))
  })
