/**
 * A page that follows the 10-peer mesh while it changes: a peer joins (propagate), is SIGKILLed (evict),
 * and the page's own peer is SIGKILLed (failover).
 */
import { freshPage, joinInPage, loadLibrary } from '../lib/browser.mjs'
import { sleep, spawnPeer, stopPeer, until } from '../lib/peers.mjs'

const follow = async (browser, mesh, ports) => {
  const f = await freshPage(browser, `${mesh[mesh.length - 1].url}/health`)
  await loadLibrary(f.page)
  await joinInPage(f.page, { ports, cache: false })
  return f
}

const propagateAndEvict = async (ctx, page, spawnExtra) => {
  const mark = (kind, id) => page.evaluate(([kind, id]) => window.marks[kind][id] ?? null, [kind, id])
  const prop = []
  const evict = []
  ctx.progress('propagate / evict: a peer joins, then is SIGKILLed')
  for (let i = 0; i < ctx.runs; i++) {
    const extra = await spawnExtra()
    await until(() => mark('added', extra.id), 'peer-added')
    const added = await mark('added', extra.id)
    // startedAt is written right after the HTTP server is listening.
    prop.push(added.at - added.startedAt)
    await sleep(50)
    const killedAt = Date.now()
    extra.proc.kill('SIGKILL')
    await until(() => mark('removed', extra.id), 'peer-removed')
    evict.push((await mark('removed', extra.id)) - killedAt)
    await stopPeer(extra, 'SIGKILL')
  }
  if (ctx.wants('propagate')) ctx.record('propagate', prop)
  if (ctx.wants('evict')) ctx.record('evict', evict)
}

/** SIGKILL of the page's current peer until it reads the directory from another; the mesh is put back each time. */
const failover = async (ctx, page, mesh, respawn) => {
  ctx.progress("failover: SIGKILL of the page's current peer")
  const xs = []
  for (let i = 0; i < ctx.runs; i++) {
    const currentId = await page.evaluate(() => window.mesh.current?.id)
    const victim = mesh.find((p) => p.id === currentId)
    const before = await page.evaluate(() => window.marks.connected.length)
    const killedAt = Date.now()
    victim.proc.kill('SIGKILL')
    await until(() => page.evaluate((n) => window.marks.connected.length > n && window.mesh.current && window.mesh.status === 'connected', before), 'failover')
    xs.push((await page.evaluate((n) => window.marks.connected[n].at, before)) - killedAt)
    await stopPeer(victim, 'SIGKILL')
    const again = await respawn(victim.port)
    mesh.splice(mesh.indexOf(victim), 1, again)
    await until(async () => (await page.evaluate(() => window.mesh.peers.length)) === mesh.length, 'the replacement to appear')
  }
  ctx.record('failover', xs)
}

export const runLive = async (ctx, browser, mesh, { home, meshArgs }) => {
  if (!ctx.wantsAny('propagate', 'evict', 'failover')) return
  const follower = await follow(browser, mesh, ctx.ports.mesh)
  const spawnAt = (port) => spawnPeer({ home, args: [...meshArgs, '--port', String(port)] })
  if (ctx.wantsAny('propagate', 'evict')) await propagateAndEvict(ctx, follower.page, () => spawnAt(ctx.ports.extra))
  if (ctx.wants('failover')) await failover(ctx, follower.page, mesh, spawnAt)
  await follower.ctx.close()
}
