/**
 * Keeps a child's output without letting a chatty one (debug logging, a peer left running for hours)
 * grow without bound: the head, where the startup lines are, and the most recent tail.
 */
export const boundedText = ({ headChars = 64 * 1024, tailChars = 256 * 1024 } = {}) => {
  let head = ''
  let tail = ''
  let dropped = 0
  return {
    append(chunk) {
      const text = String(chunk)
      const room = Math.max(0, headChars - head.length)
      head += text.slice(0, room)
      tail += text.slice(room)
      // Trimmed only once the tail is twice its size, so appends stay cheap.
      if (tail.length > 2 * tailChars) {
        dropped += tail.length - tailChars
        tail = tail.slice(-tailChars)
      }
    },
    text() {
      const over = Math.max(0, tail.length - tailChars)
      const gone = dropped + over
      return gone ? `${head}\n[... ${gone} characters dropped ...]\n${tail.slice(over)}` : head + tail
    }
  }
}
