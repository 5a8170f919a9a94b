/** The dashboard's rooms section (issue 11): rooms from the directory, one shown read-only and live. */
import { describe, expect, it } from 'vitest'
import { PORTS, range } from '../helpers/ports.js'
import { allSee, spawnPeer, tempHome, waitFor } from '../helpers/peers.js'
import { launchBrowser } from '../helpers/browser.js'
import { roomClient } from '../helpers/rooms.js'

describe('the dashboard lists rooms', () => {
  it('lists a room open on another peer and shows it live, without writing to it', async () => {
    const browser = await launchBrowser()
    const home = tempHome()
    const peers = await Promise.all([1, 2].map(() => spawnPeer({ home, args: ['--ports', range(PORTS.browserDashboardRooms)] })))
    await waitFor(() => allSee(peers, peers.map((p) => p.id)), 'the mesh to converge')
    const writer = roomClient(peers[1]!, 'dash-notes')
    writer.append('first line;')
    const page = await browser.newPage()
    await page.goto(`${peers[0]!.url}/#token=${peers[0]!.token}`)
    const row = page.locator('#rooms li[data-room="dash-notes"]')
    await waitFor(async () => (await row.count()) === 1, 'the room in the rooms table')
    await row.locator('button').click()
    const shown = () => page.locator('#room-view [data-type="content"] pre').textContent().catch(() => null)
    await waitFor(async () => (await shown()) === 'first line;', 'the room shown')
    writer.append('second line;')
    await waitFor(async () => (await shown()) === 'first line;second line;', 'the shown room to follow edits live')
    expect(writer.text()).toBe('first line;second line;')
  })
})
