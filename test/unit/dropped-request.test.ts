import { describe, expect, it } from 'vitest'
import { droppedRequestId, tooLargeError } from '../../src/node/mcp/dropped-request.js'

/** A line's two ends as LineCap keeps them: the first and last `n` characters. */
const ends = (line: string, n = 512) => [line.slice(0, n), line.slice(-n)] as const

const big = 'x'.repeat(5000)

describe('droppedRequestId', () => {
  it("finds the id at the end (the SDK's TypeScript client) and at the start (Python's)", () => {
    expect(droppedRequestId(...ends(JSON.stringify({ method: 'tools/call', params: { text: big, id: 99 }, jsonrpc: '2.0', id: 7 })))).toBe(7)
    expect(droppedRequestId(...ends(JSON.stringify({ jsonrpc: '2.0', id: 'req-1', method: 'tools/call', params: { text: big } })))).toBe('req-1')
    expect(droppedRequestId(...ends(`{ "jsonrpc" : "2.0", "method": "tools/call", "params": {"a": "${big}"}, "id" : 12 }\r`))).toBe(12)
  })

  it('answers no response, no notification, and nothing it cannot be sure of', () => {
    // A response to the peer's own request (roots/list) carries an id but no method.
    expect(droppedRequestId(...ends(JSON.stringify({ result: { roots: [big] }, jsonrpc: '2.0', id: 0 })))).toBeNull()
    expect(droppedRequestId(...ends(JSON.stringify({ method: 'notifications/message', params: { big }, jsonrpc: '2.0' })))).toBeNull()
    // An id only inside params, or a line that is no object at all.
    expect(droppedRequestId(...ends(JSON.stringify({ method: 'tools/call', params: { text: big, id: 5 } })))).toBeNull()
    expect(droppedRequestId(...ends(`"${big}"`))).toBeNull()
    expect(droppedRequestId(...ends(`{"method":"x","id":${big.replace(/x/g, '9')}}`))).toBeNull()
    expect(droppedRequestId(...ends(JSON.stringify({ method: 'tools/call', params: { text: big }, id: 1.5 })))).toBeNull()
  })

  it('is not fooled by a string that holds members', () => {
    const line = JSON.stringify({ method: 'tools/call', params: { text: big + '","id":3}' } })
    expect(droppedRequestId(...ends(line))).toBeNull()
  })

  it('answers with JSON-RPC\'s "Invalid Request"', () => {
    expect(tooLargeError(7, 5_000_000, 4_194_304)).toEqual({ jsonrpc: '2.0', id: 7, error: { code: -32600, message: 'request of 5000000 bytes not read: a message may be at most 4194304 bytes' } })
  })
})
