/**
 * Every test file owns a port range no other file uses, so files can run in parallel. Add new ranges
 * here, never inline.
 */
/**
 * PEER_PLAN_TEST_PORT_OFFSET shifts every range, so two checkouts of this repo can run their suites on
 * one machine at the same time without finding each other's peers. Keep base + offset below 32768 (the
 * kernel's ephemeral range) and away from 1900-1999 and the bench's 24000-24999.
 */
const OFFSET = Number(process.env.PEER_PLAN_TEST_PORT_OFFSET ?? 0)

const BASE = {
  cli: [22000, 22019],
  cliFull: [22020, 22021],
  // 11 ports, as the default range has; 40 peers share it (test/overflow.test.ts).
  overflow: [22160, 22170],
  mesh: [22100, 22119],
  concurrent: [22200, 22219],
  registry: [22300, 22319],
  hardening: [22400, 22419],
  ywebsocket: [22500, 22509],
  shutdown: [22600, 22619],
  browserDiscovery: [22700, 22709],
  browserEmpty: [22710, 22719],
  browserLive: [22720, 22739],
  browserDashboard: [22740, 22749],
  browserPersist: [22750, 22759],
  browserRooms: [22760, 22779],
  browserDashboardRooms: [22780, 22789],
  // A page whose sockets Chromium throttles, and the peer that serves it (test/browser/throttled.test.ts).
  browserThrottled: [22790, 22794],
  browserThrottledHost: [22795, 22795],
  mdns: [22800, 22819],
  mdnsLan: [22820, 22829],
  lifecycle: [22900, 22919],
  meshScript: [22920, 22929],
  trust: [22930, 22949],
  trustNetns: [22950, 22959],
  trustLimits: [22960, 22969],
  // Clear of bench/scale.mjs (23000-23099) and pnpm chaos (23100-23139).
  mcp: [23200, 23219],
  mcpLifecycle: [23220, 23249],
  mcpSocket: [23250, 23269],
  inboxRoute: [23270, 23279],
  files: [23400, 23419],
  refusedBodies: [23420, 23429],
  chaos: [23500, 23539],
  rooms: [23600, 23639],
  roomsIdle: [23640, 23659],
  roomsChurn: [23660, 23679],
  // The peers of test/browser/vite.test.ts; its dev and preview servers take viteServers.
  vite: [23700, 23709],
  viteServers: [23710, 23719],
  browserErrors: [23720, 23729],
  // A page origin no peer of browserErrors allows.
  browserErrorsApp: [23730, 23730],
  // npm pack -> a scratch project -> npx peer-plan-node (test/package.test.ts).
  pack: [23740, 23749],
  dashboardFull: [23760, 23779],
  dashboardEvents: [23780, 23789],
  browserQuiet: [23790, 23799],
  // A port nothing listens on (test/unit/directory-reader.test.ts: a refused connection).
  directoryReader: [23800, 23800],
  // Loopback stand-ins for peers' /registry (test/unit/join-head-start.test.ts).
  joinHeadStart: [23810, 23813],
  // A port nothing listens on: a head start's socket refused (test/unit/head-start.test.ts).
  headStartDead: [23814, 23814],
  // Stand-in peers whose directories hold values that are not entries (test/browser/odd-values.test.ts).
  browserOddValues: [23820, 23829],
  // The Vite relay against a hand-written upstream (test/unit/vite-guard.test.ts).
  viteRelayUnit: [23830, 23831],
  // A server and a second listener that hands it its sockets under one cap (test/unit/conn-cap.test.ts).
  connCap: [23840, 23841],
  // An agent's write_room, and its peer killed as the answer comes (test/rooms-durable.test.ts).
  roomsDurable: [23950, 23959],
  // Rooms over 1 MiB: a client's catch-up after an outage, and a room link's first sync (test/rooms-large.test.ts).
  roomsLarge: [23960, 23961],
  // A tool's connection to another peer's room, shown a link proof (test/room-dial.test.ts); the last a stand-in.
  roomDial: [23970, 23973],
  // Real peers, and a loopback server playing hostile entries' URLs (test/browser/dashboard-hostile.test.ts).
  dashboardHostile: [23980, 23989],
  // Peers sent a directory entry whose URL no peer writes (test/entry-url.test.ts).
  entryUrl: [23990, 23993],
  // A Vite dev server, the stand-in peer it follows and the services that stand-in lists (test/vite-relay.test.ts).
  viteRelayAttacks: [23850, 23859],
  // A squatter without the key on the first port, a real peer on the next (test/browser/peer-proof.test.ts).
  browserPeerProof: [23860, 23869],
  // A peer asked for proofs of the key with good and bad nonces (test/peer-proof-route.test.ts).
  peerProofRoute: [23870, 23871],
  // A capped server under a flood of idle connections, with busy and upgraded ones (test/unit/idle-evict.test.ts).
  idleFlood: [23880, 23889],
  // Peers that hold their port on both loopback families, and a process that took [::1]:P first (test/localhost-proof.test.ts).
  localhostProof: [23900, 23919],
  // Low-limit peers whose cap refused page upgrades and strangers try to hold; a peer asked while it starts (test/cap-holds.test.ts, test/startup-window.test.ts).
  redTeam31: [23930, 23949],
  // A peer sent bad frames on refused page upgrades; a peer asked for upgrades while it starts (test/refused-frames.test.ts, test/startup-window.test.ts).
  review31b: [23974, 23979],
  // A peer's directory socket asked with ?registry: the list as its first frame (test/directory-list.test.ts).
  directoryList: [23000, 23009]
} as const satisfies Record<string, readonly [number, number]>

export const PORTS = Object.fromEntries(Object.entries(BASE).map(([k, [a, b]]) => [k, [a + OFFSET, b + OFFSET]])) as unknown as {
  [K in keyof typeof BASE]: readonly [number, number]
}

export const range = (r: readonly [number, number]) => `${r[0]}-${r[1]}`
