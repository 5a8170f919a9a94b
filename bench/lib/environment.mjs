/**
 * The environment of every process the bench starts, as an agent's MCP client would start a peer.
 *
 * This machine sets NODE_EXTRA_CA_CERTS (for its proxy to the npm registry). Node 20 then builds its
 * whole root certificate store while it starts, before any script runs: tens of milliseconds a process
 * here (55 ms of the bare server's start in one run, 35 ms of a peer's). An MCP client using the SDK's
 * StdioClientTransport passes a peer only HOME, LOGNAME, PATH, SHELL, TERM and USER
 * (getDefaultEnvironment) and what the client's config sets, so an agent's peer lacks it unless that
 * config passes it (a client that passes its whole environment on would). The bench removes it from
 * its own environment before it starts anything, and `startup` times the bare server and the peer
 * with it too (`floor-node-start-extra-ca`, `startup-extra-ca`), so that its cost stays in the results.
 */

/** Removes NODE_EXTRA_CA_CERTS from this process's environment; returns its value, or null if unset. */
export const dropExtraCaCerts = () => {
  const file = process.env.NODE_EXTRA_CA_CERTS ?? null
  delete process.env.NODE_EXTRA_CA_CERTS
  return file
}

/** What a results file says of it, given dropExtraCaCerts()'s answer. */
export const extraCaCertsNote = (file) => (file ? 'set here; removed for every process the bench starts' : 'not set')
