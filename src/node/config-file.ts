/**
 * The JSON config file ($PEER_PLAN_HOME/config.json, or --config): read as the user's own file
 * (regular-file.ts) and checked against the settings it may hold. Checked by hand, not with zod: this
 * runs first at every start, and a peer that serves no MCP loads no zod otherwise (its ~200 KiB were
 * a third of the code a peer compiled before it was ready).
 */
import { readRegularFileSync, UnsafeFileError } from './regular-file.js'
import { shown } from './shown.js'

/** A bad option, flag, variable or config file: one line that names where the value came from. */
export class ConfigError extends Error {}

export interface FileConfig {
  port?: number | string
  ports?: string | [number, number]
  host?: string
  home?: string
  name?: string
  allowOrigins?: string[]
  mdns?: string
  logLevel?: string
  secretFile?: string
  mcp?: string
  roomIdle?: number | string
}

const isString = (v: unknown): boolean => typeof v === 'string'
const isNumber = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v)
const numberOrString = (v: unknown): boolean => isNumber(v) || isString(v)

/** Each setting: the JSON types it takes (each value is parsed further as its flag's is), and how to say so. */
const SETTINGS = new Map<string, [ok: (v: unknown) => boolean, expected: string]>([
  ['port', [numberOrString, 'a port number']],
  ['ports', [(v) => isString(v) || (Array.isArray(v) && v.length === 2 && v.every(isNumber)), 'a range, "1234-1244" or [1234, 1244]']],
  ['host', [isString, 'a string']],
  ['home', [isString, 'a string']],
  ['name', [isString, 'a string']],
  ['allowOrigins', [(v) => Array.isArray(v) && v.every(isString), 'a list of origins']],
  ['mdns', [isString, 'a string']],
  ['logLevel', [isString, 'a string']],
  ['secretFile', [isString, 'a string']],
  ['mcp', [isString, 'a string']],
  ['roomIdle', [numberOrString, 'a number of seconds']]
])

const checkSettings = (json: unknown, path: string): FileConfig => {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ConfigError(`config file ${path}: expected an object of settings, like {"ports": "1234-1244"}, got ${shown(json)}`)
  }
  for (const [key, value] of Object.entries(json)) {
    const setting = SETTINGS.get(key)
    if (!setting) throw new ConfigError(`config file ${path}: ${shown(key)} is not a setting (${[...SETTINGS.keys()].join(', ')})`)
    if (!setting[0](value)) throw new ConfigError(`config file ${path}: ${key}: expected ${setting[1]}, got ${shown(value)}`)
  }
  return { ...json } as FileConfig
}

/** The file's settings; {} when it is absent and not `required`. Anything else wrong is a ConfigError. */
export const readConfigFile = (path: string, required: boolean): FileConfig => {
  let text: string | null
  try {
    // A user's own config may be a symlink (dotfile managers); a FIFO, a device or another user's file is refused.
    text = readRegularFileSync(path, { maxBytes: 1024 * 1024, follow: true, trustRoot: true })
  } catch (err) {
    if (err instanceof UnsafeFileError) throw new ConfigError(`config file ${err.message}; refusing it`)
    throw new ConfigError(`config file ${path}: ${(err as Error).message}`)
  }
  if (text === null) {
    if (!required) return {}
    throw new ConfigError(`config file ${path}: no such file`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new ConfigError(`config file ${path}: invalid JSON (${(err as Error).message})`)
  }
  return checkSettings(json, path)
}
