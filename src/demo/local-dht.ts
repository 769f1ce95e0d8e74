// A local HyperDHT testnet on 127.0.0.1 for the demo and the tests. Nothing here can reach the
// public DHT: the testnet's nodes bootstrap only from each other, and every swarm gets a DHT
// node from `testnet.createNode()` (bound to loopback, advertising loopback only). Never build a
// swarm from `bootstrap: testnet.bootstrap` (binds 0.0.0.0) or with bootstrap set to false (falls
// back to the public network).

import createTestnet from '@hyperswarm/testnet'
import HyperDHT from 'hyperdht'
import type { DhtChoice } from '../coop/dht-options.js'

export interface LocalDht {
  /** A fresh DHT node for one swarm (the swarm destroys it when it closes). */
  dhtNode(): HyperDHT
  /** The same, as the coop/ DHT option. */
  choice(): DhtChoice
  /**
   * A DHT node on the testnet that stopping the testnet leaves alive (the swarm still destroys it),
   * as a node sees whose bootstrap nodes went away: tests of what a node does then.
   */
  outlivingChoice(): DhtChoice
  /** 'host:port' of the testnet's bootstrap nodes (all 127.0.0.1). */
  readonly bootstrap: string[]
  stop(): Promise<void>
}

export async function startLocalDht(size = 3): Promise<LocalDht> {
  const testnet = await createTestnet(size, { host: '127.0.0.1' })
  for (const b of testnet.bootstrap) {
    if (b.host !== '127.0.0.1') {
      await testnet.destroy()
      throw new Error(`testnet bootstrap on ${b.host}, expected loopback`)
    }
  }
  let stopped: Promise<void> | null = null
  return {
    dhtNode: () => testnet.createNode(),
    choice: () => ({ kind: 'injected', dht: testnet.createNode() }),
    outlivingChoice: () => ({ kind: 'injected', dht: new HyperDHT({ ephemeral: true, bootstrap: testnet.bootstrap, host: '127.0.0.1' }) }),
    bootstrap: testnet.bootstrap.map((b) => `${b.host}:${b.port}`),
    stop() {
      stopped ??= testnet.destroy()
      return stopped
    }
  }
}
