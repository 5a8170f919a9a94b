import type { LaunchOptions } from 'playwright-core'

export declare const SYSTEM_NAMES: readonly string[]
export declare const CHROMIUM_ARGS: readonly string[]

export interface NpmChromiumPackage {
  dir: string
  version: string
  entry: string
}

export interface ChooseOptions {
  env?: Record<string, string | undefined>
  exists?: (path: string) => boolean
  npmPackage?: () => NpmChromiumPackage | undefined
}

export type ChromiumChoice = { source: 'CHROME_PATH' | 'system'; path: string } | { source: 'npm'; pkg: NpmChromiumPackage }

export declare const findOnPath: (env?: Record<string, string | undefined>, exists?: (path: string) => boolean) => string | undefined
export declare const chooseChromium: (opts?: ChooseOptions) => ChromiumChoice
export declare const unpackNpmChromium: (pkg: NpmChromiumPackage, cache?: string) => Promise<{ path: string; env: Record<string, string | undefined> }>
export declare const npmChromiumEnv: (dir: string, env?: Record<string, string | undefined>) => Record<string, string | undefined>
export declare const chromiumLaunchOptions: (opts?: ChooseOptions) => Promise<{ source: ChromiumChoice['source']; path: string; launch: LaunchOptions }>
