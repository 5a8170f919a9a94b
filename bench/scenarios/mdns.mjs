/** mDNS on loopback: two homes (one secret), so only mDNS can join them. */
import { followDirectory, makeHome, sharedSecretArgs, spawnPeer, stopPeer, until } from '../lib/peers.mjs'

export const runMdns = async (ctx) => {
  if (!ctx.wants('mdns')) return
  const { ports: P } = ctx
  ctx.progress("mdns: a newcomer in another home, publish -> listed in the first peer's directory")
  // --mdns in the args: the spawner passes --no-mdns only to peers whose caller chose no mode.
  // Homes differ, so the peers share a secret file: without it they find each other but never link.
  const mdnsArgs = ['--ports', `${P.mdns[0]}-${P.mdns[1]}`, '--mdns', 'loopback', ...sharedSecretArgs()]
  const anchor = followDirectory(await spawnPeer({ home: makeHome(), args: mdnsArgs }))
  const xs = []
  for (let i = 0; i < ctx.runs; i++) {
    const newcomer = await spawnPeer({ home: makeHome(), args: [...mdnsArgs, '--log-level', 'debug'] })
    await until(() => anchor.doc.getMap('peers').has(newcomer.id), "the newcomer in the anchor's directory", 10000)
    const listedAt = Date.now()
    const publishedAt = Number(/mDNS published \S+ on \S+ at=(\d+)/.exec(newcomer.stderr())?.[1])
    xs.push(listedAt - publishedAt)
    await stopPeer(newcomer)
    await until(() => !anchor.doc.getMap('peers').has(newcomer.id), 'the newcomer to leave', 10000)
  }
  ctx.record('mdns', xs)
  anchor.provider.destroy()
  await stopPeer(anchor)
}
