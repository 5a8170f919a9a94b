/**
 * A message as POST /inbox takes it. Apart from inbox.ts, which every peer loads at start: the route
 * loads this (and zod with it) on the first message, so a peer that is never sent one never loads zod
 * for it.
 */
import { z } from 'zod'
import { PEER_ID_PATTERN } from '../shared/peer-id.js'
import { MAX_TEXT_BYTES } from './inbox.js'

export const wireMessageSchema = z.object({
  v: z.literal(1),
  id: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
  to: z.string().regex(PEER_ID_PATTERN),
  from: z.object({
    id: z.string().regex(PEER_ID_PATTERN),
    name: z.string().min(1).max(128),
    agent: z.string().max(128).optional(),
    session: z.string().max(64).optional()
  }),
  text: z
    .string()
    .min(1)
    .refine((t) => Buffer.byteLength(t) <= MAX_TEXT_BYTES, `text is over ${MAX_TEXT_BYTES} bytes`),
  sentAt: z.number().int().nonnegative()
})
export type WireMessage = z.infer<typeof wireMessageSchema>
