/** The package version, read without loading the peer (the MCP side answers `initialize` before the peer is up). */
import { createRequire } from 'node:module'

export const VERSION: string = (createRequire(import.meta.url)('../../package.json') as { version: string }).version
