import { describe, expect, it } from 'vitest'
import { CHROMIUM_ARGS, chooseChromium, npmChromiumEnv } from '../../scripts/lib/chromium.mjs'

const pkg = { dir: '/nm/@sparticuz/chromium', version: '153.0.0', entry: '/nm/@sparticuz/chromium/build/index.js' }
const on = (...files: string[]) => (p: string) => files.includes(p)

describe('which Chromium (scripts/lib/chromium.mjs)', () => {
  it('takes CHROME_PATH first, over a system one and the npm one', () => {
    const choice = chooseChromium({ env: { CHROME_PATH: '/opt/c/chrome', PATH: '/usr/bin' }, exists: on('/opt/c/chrome', '/usr/bin/chromium'), npmPackage: () => pkg })
    expect(choice).toEqual({ source: 'CHROME_PATH', path: '/opt/c/chrome' })
  })

  it('refuses a CHROME_PATH that does not exist rather than silently using another', () => {
    expect(() => chooseChromium({ env: { CHROME_PATH: '/nope', PATH: '/usr/bin' }, exists: on('/usr/bin/chromium'), npmPackage: () => pkg })).toThrow(/CHROME_PATH=\/nope/)
  })

  it('then a system Chromium on PATH, in PATH order and by name', () => {
    const exists = on('/usr/bin/chromium', '/usr/local/bin/google-chrome', '/snap/bin/chromium')
    expect(chooseChromium({ env: { PATH: '/usr/local/bin:/snap/bin:/usr/bin' }, exists, npmPackage: () => pkg })).toEqual({ source: 'system', path: '/snap/bin/chromium' })
    expect(chooseChromium({ env: { PATH: '/usr/local/bin' }, exists, npmPackage: () => pkg })).toEqual({ source: 'system', path: '/usr/local/bin/google-chrome' })
  })

  it('then the npm one, also when PEER_PLAN_NO_SYSTEM_CHROME=1 skips the system one', () => {
    expect(chooseChromium({ env: { PATH: '/bin' }, exists: on('/usr/bin/chromium'), npmPackage: () => pkg })).toEqual({ source: 'npm', pkg })
    expect(chooseChromium({ env: { PATH: '/usr/bin', PEER_PLAN_NO_SYSTEM_CHROME: '1' }, exists: on('/usr/bin/chromium'), npmPackage: () => pkg })).toEqual({ source: 'npm', pkg })
  })

  it('says what to do when there is none at all', () => {
    expect(() => chooseChromium({ env: { PATH: '/bin' }, exists: on(), npmPackage: () => undefined })).toThrow(/set CHROME_PATH, install one .*pnpm install/)
  })

  it('gives the npm Chromium its libraries and fonts, and never a flag that turns web security off', () => {
    const env = npmChromiumEnv('/c/153.0.0', { LD_LIBRARY_PATH: '/x', HOME: '/h' })
    expect(env).toMatchObject({ LD_LIBRARY_PATH: '/c/153.0.0/al2023/lib:/x', FONTCONFIG_PATH: '/c/153.0.0', HOME: '/h' })
    expect(CHROMIUM_ARGS.join(' ')).not.toMatch(/web-security|insecure-content|site-isolation|IsolateOrigins|site-per-process|single-process/)
  })
})
