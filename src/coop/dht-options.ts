// How a node finds its peers: the public HyperDHT (real use), a private DHT of your own
// (`bootstrap: ['host:port', ...]`), or an injected DHT node (tests, on a loopback testnet).

import HyperDHT from 'hyperdht'
import type Hyperswarm from 'hyperswarm'

export type DhtChoice =
  | { kind: 'public' }
  | { kind: 'private'; bootstrap: string[] }
  | { kind: 'injected'; dht: HyperDHT }

export class DhtOptionError extends Error {
  override name = 'DhtOptionError'
}

/** 'host:port' or '[v6]:port', port 1-65535. Returns the normalized form or throws. */
export function parseBootstrapAddress(text: string): string {
  const trimmed = text.trim()
  const match = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):(\d{1,5})$/.exec(trimmed)
  const port = match ? Number(match[2]) : NaN
  if (!match || !(port >= 1 && port <= 65535)) {
    throw new DhtOptionError(`invalid DHT bootstrap address "${text}": expected host:port, e.g. 10.0.0.5:49737`)
  }
  return `${match[1] as string}:${port}`
}

export function privateDht(bootstrap: readonly string[]): DhtChoice {
  if (bootstrap.length === 0) {
    // An empty list would be an isolated node that can reach nobody.
    throw new DhtOptionError('a private DHT needs at least one bootstrap address (host:port)')
  }
  return { kind: 'private', bootstrap: bootstrap.map(parseBootstrapAddress) }
}

export function hyperswarmOptions(choice: DhtChoice): Hyperswarm.Options {
  switch (choice.kind) {
    case 'public':
      return {}
    case 'private':
      return { bootstrap: [...choice.bootstrap] }
    case 'injected':
      return { dht: choice.dht }
  }
}

/**
 * The same network for a second, short-lived swarm. An injected DHT node belongs to the swarm it
 * was given to (Hyperswarm destroys it on close), so the second swarm gets a node of its own with
 * the same bootstrap nodes, bound like the injected one (a loopback testnet stays on loopback).
 */
export async function sameNetworkDht(choice: DhtChoice): Promise<DhtChoice> {
  if (choice.kind !== 'injected') return choice
  await choice.dht.ready()
  const bootstrap = choice.dht.bootstrapNodes.map((n) => `${n.host}:${n.port}`)
  if (bootstrap.length === 0) throw new DhtOptionError('the injected DHT node has no bootstrap nodes to start a second node from')
  return { kind: 'injected', dht: new HyperDHT({ ephemeral: true, bootstrap, host: choice.dht.address().host }) }
}
