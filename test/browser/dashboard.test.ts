import { mkdir } from 'node:fs/promises'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PORTS, range } from '../helpers/ports.js'
import { allSee, spawnPeer, tempHome, waitFor } from '../helpers/peers.js'
import { launchBrowser } from '../helpers/browser.js'

const R = PORTS.browserDashboard
const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts')

describe('the dashboard at /', () => {
  it('shows every live peer and follows the mesh without a reload', async () => {
    const browser = await launchBrowser()
    const home = tempHome()
    const args = ['--ports', range(R)]
    const peers = await Promise.all([1, 2, 3, 4].map((i) => spawnPeer({ home, args: [...args, '--name', `agent-${i}`] })))
    await waitFor(() => allSee(peers, peers.map((p) => p.id)), 'the mesh to converge')

    const page = await browser.newPage({ viewport: { width: 1100, height: 800 } })
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    // Chromium logs every refused probe of the scan (the scan working), and a poll of the peer this test
    // SIGKILLs may be reset mid-flight: neither is a fault of the page.
    page.on('console', (m) => m.type() === 'error' && !/ERR_CONNECTION_(REFUSED|RESET)/.test(m.text()) && errors.push(m.text()))
    await page.goto(`${peers[0]!.url}/#token=${peers[0]!.token}`)
    // A peer that left stays a while, greyed, as `gone`: count the live ones.
    const rows = () => page.locator('#peers tbody tr:not(.gone)').count()
    await waitFor(async () => (await rows()) === 4, 'four rows')
    expect(await page.locator('#peer-count').textContent()).toBe('4')
    for (const p of peers) {
      const row = page.locator(`#peers tr[data-peer="${p.id}"]`)
      await expect(row.locator('td a').first().textContent()).resolves.toBe(p.url)
      await expect(row.locator('td').first().textContent()).resolves.toContain(`pid ${p.pid}`)
    }
    // A fresh context (nothing cached) and a live first port: found through the registry endpoint. The
    // scan wins only if the registry has not answered within the page's 100 ms grace (a loaded machine),
    // and then the timings show no registry answer at all.
    const via = await page.locator('#via').textContent()
    const timings = await page.locator('#timings').textContent()
    if (via !== 'registry') {
      expect(via).toBe('scan')
      expect(timings).not.toMatch(/source registry/)
    }
    expect(timings).toMatch(/directory synced/)
    await waitFor(async () => (await page.locator('#status').textContent()) === 'connected', 'the live directory to attach')
    await mkdir(ARTIFACTS, { recursive: true })
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-four-peers.png`, fullPage: true })

    const fifth = await spawnPeer({ home, args: [...args, '--name', 'agent-5'] })
    await waitFor(async () => (await rows()) === 5, 'a fifth row without reload')
    fifth.kill('SIGKILL')
    await waitFor(async () => (await rows()) === 4, 'back to four rows')
    expect(await page.locator(`#peers tr[data-peer="${fifth.id}"]`).getAttribute('data-health')).toBe('gone')
    await waitFor(async () => /peer agent-5 left the mesh/.test((await page.locator('#history').textContent()) ?? ''), 'the leave in the history')
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-after-churn.png`, fullPage: true })
    expect(errors).toEqual([])
  })
})
