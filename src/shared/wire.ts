/**
 * The y-websocket wire protocol (sync + awareness), as a table of message handlers in the style of
 * y-websocket itself. Both the room server and the peer-to-peer directory links use it, so a stock
 * y-websocket WebsocketProvider speaks to either unchanged.
 *
 * Frame: varUint messageType, then the payload of that type.
 *   0 sync:            y-protocols/sync message (step1 state vector | step2 update | update)
 *   1 awareness:       varUint8Array of a y-protocols/awareness update
 *   2 auth:            y-protocols/auth (ignored: peers prove the mesh key in the upgrade instead)
 *   3 query-awareness: no payload; answered with the full awareness state
 */
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import * as syncProtocol from 'y-protocols/sync'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as Y from 'yjs'

export const messageSync = 0
export const messageAwareness = 1
export const messageAuth = 2
export const messageQueryAwareness = 3

export interface WireContext {
  doc: Y.Doc
  awareness: awarenessProtocol.Awareness | null
  /** Transaction origin for updates that arrive on this connection, so they are not echoed back to it. */
  origin: unknown
  /** Answer sync step 1, drop every update: a reader that may not write this doc. */
  readOnly?: boolean
  /**
   * The state vector of a whole state already pushed on this connection (encodeSyncStep2): the
   * reader's first step 1 is answered with only what came after it, not with everything again.
   */
  pushedAt?: Uint8Array | null
  /**
   * Told of an update that did not apply, which is then not logged. Without it y-protocols reads the
   * message, printing such an update with its stack (console.error), and reads on.
   */
  updateFailed?: (err: Error) => void
}

type Handler = (encoder: encoding.Encoder, decoder: decoding.Decoder, ctx: WireContext) => void

const handlers: Handler[] = []

/** y-protocols' readSyncMessage, less its console.error: a client sending bad updates cannot fill the log. */
const readSyncTelling = (decoder: decoding.Decoder, encoder: encoding.Encoder, ctx: WireContext, failed: (err: Error) => void): void => {
  const type = decoding.readVarUint(decoder)
  if (type === syncProtocol.messageYjsSyncStep1) return syncProtocol.readSyncStep1(decoder, encoder, ctx.doc)
  if (type !== syncProtocol.messageYjsSyncStep2 && type !== syncProtocol.messageYjsUpdate) throw new Error(`unknown sync message type ${type}`)
  const update = decoding.readVarUint8Array(decoder)
  try {
    Y.applyUpdate(ctx.doc, update, ctx.origin)
  } catch (err) {
    failed(err as Error)
  }
}

handlers[messageSync] = (encoder, decoder, ctx) => {
  encoding.writeVarUint(encoder, messageSync)
  if (!ctx.readOnly && ctx.updateFailed) return readSyncTelling(decoder, encoder, ctx, ctx.updateFailed)
  if (!ctx.readOnly) return void syncProtocol.readSyncMessage(decoder, encoder, ctx.doc, ctx.origin)
  const type = decoding.readVarUint(decoder)
  if (type === syncProtocol.messageYjsSyncStep1 && ctx.pushedAt) {
    decoding.readVarUint8Array(decoder)
    syncProtocol.writeSyncStep2(encoder, ctx.doc, ctx.pushedAt)
    ctx.pushedAt = null
  } else if (type === syncProtocol.messageYjsSyncStep1) syncProtocol.readSyncStep1(decoder, encoder, ctx.doc)
  // Step 2 and updates from a reader are read and dropped.
  else decoding.readVarUint8Array(decoder)
}

handlers[messageAwareness] = (_encoder, decoder, ctx) => {
  const update = decoding.readVarUint8Array(decoder)
  if (ctx.awareness) awarenessProtocol.applyAwarenessUpdate(ctx.awareness, update, ctx.origin)
}

handlers[messageAuth] = () => {}

handlers[messageQueryAwareness] = (encoder, _decoder, ctx) => {
  if (!ctx.awareness) return
  encoding.writeVarUint(encoder, messageAwareness)
  encoding.writeVarUint8Array(
    encoder,
    awarenessProtocol.encodeAwarenessUpdate(ctx.awareness, Array.from(ctx.awareness.getStates().keys()))
  )
}

export class WireError extends Error {}

/**
 * Reads one frame and returns the reply to send, if any. Throws WireError on a frame it cannot read,
 * so the caller can close that one connection.
 */
export const handleMessage = (ctx: WireContext, data: Uint8Array): Uint8Array | null => {
  const decoder = decoding.createDecoder(data)
  const encoder = encoding.createEncoder()
  let type: number
  try {
    type = decoding.readVarUint(decoder)
  } catch {
    throw new WireError('empty or truncated frame')
  }
  const handler = handlers[type]
  if (!handler) throw new WireError(`unknown message type ${type}`)
  try {
    handler(encoder, decoder, ctx)
  } catch (err) {
    throw new WireError(`bad ${type === messageSync ? 'sync' : 'awareness'} message: ${(err as Error).message}`)
  }
  // A lone type byte means the handler had nothing to say.
  return encoding.length(encoder) > 1 ? encoding.toUint8Array(encoder) : null
}

/** Whether a frame is sync step 2 (a state, asked for or pushed): a reader has synced when it applied one. */
export const isSyncStepTwo = (frame: Uint8Array): boolean => frame[0] === messageSync && frame[1] === syncProtocol.messageYjsSyncStep2

export const encodeSyncStep1 = (doc: Y.Doc): Uint8Array => {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, messageSync)
  syncProtocol.writeSyncStep1(encoder, doc)
  return encoding.toUint8Array(encoder)
}

/** The whole doc as sync step 2, unasked: a y-websocket client counts itself synced on it. */
export const encodeSyncStep2 = (doc: Y.Doc): Uint8Array => {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, messageSync)
  syncProtocol.writeSyncStep2(encoder, doc)
  return encoding.toUint8Array(encoder)
}

export const encodeUpdate = (update: Uint8Array): Uint8Array => {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, messageSync)
  syncProtocol.writeUpdate(encoder, update)
  return encoding.toUint8Array(encoder)
}

export const encodeAwareness = (awareness: awarenessProtocol.Awareness, clients: number[]): Uint8Array => {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, messageAwareness)
  encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(awareness, clients))
  return encoding.toUint8Array(encoder)
}
