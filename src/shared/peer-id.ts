/** A peer id: 4-64 URL-safe characters. Peers mint 16 hex digits; the rule is wider for forward compatibility. */
export const PEER_ID_PATTERN = /^[A-Za-z0-9_-]{4,64}$/

export const isPeerId = (value: unknown): value is string => typeof value === 'string' && PEER_ID_PATTERN.test(value)
