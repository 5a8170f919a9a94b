import type { RawData } from 'ws'

/** A ws message as a Uint8Array view, without copying where ws already gives one buffer. */
export const toUint8 = (data: RawData): Uint8Array => {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data))
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
}
