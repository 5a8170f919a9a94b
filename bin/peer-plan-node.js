#!/usr/bin/env node
// `engines` says Node >= 20.15 (the peer uses zlib.crc32, new in 20.15): an older Node gets one clear
// line and exit 1 here, rather than a SyntaxError from inside a bundled chunk.
const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 20 || (major === 20 && minor < 15)) {
  process.stderr.write(`peer-plan-node: needs Node 20.15 or later; this is ${process.version}\n`)
  process.exit(1)
}
await import('../dist/cli/peer-plan-node.js')
