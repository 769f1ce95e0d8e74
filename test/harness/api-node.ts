/**
 * One running cooperative node with its HTTP API, for tests of what reads the API: bcoin regtest in
 * process, a local DHT on 127.0.0.1, a founder node, CPU miners over real stratum TCP.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ApiServer, type ApiServerOptions } from '../../src/api/server.js'
import { addressToScript } from '../../src/bitcoin/address.js'
import { difficultyToTarget, targetToBits } from '../../src/bitcoin/target.js'
import { CpuDriver } from '../../src/drivers/cpu.js'
import { StratumClient } from '../../src/drivers/stratum-client.js'
import { HashcoopNode, initCooperative, type NodeConfig } from '../../src/node/node.js'
import { startLocalDht, type LocalDht } from './dht.js'
import { freePort, startRegtest, type RegtestNode } from './regtest.js'

export const MINER = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080'
export const STRANGER = 'bcrt1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qzf4jry'

export interface ApiNodeHarness {
  regtest: RegtestNode
  node: HashcoopNode
  api: ApiServer
  dataDir: string
  /** Starts a CPU miner as `username` with `password`; stopped by stop(). */
  mine(username: string, password?: string): Promise<StratumClient>
  /** Stops the node and starts it again on the same data dir and ports (the API too). */
  restart(): Promise<void>
  stop(): Promise<void>
}

export async function waitFor(cond: () => Promise<boolean> | boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

export async function startApiNode(apiOptions: Partial<Omit<ApiServerOptions, 'node' | 'port'>> = {}, nodeOptions: Partial<NodeConfig> = {}): Promise<ApiNodeHarness> {
  const regtest = await startRegtest()
  await regtest.mineToScript(440, addressToScript(STRANGER, 'regtest'))
  const dht: LocalDht = await startLocalDht()
  const dataDir = mkdtempSync(join(tmpdir(), 'hashcoop-apinode-'))
  await initCooperative({ dataDir, network: 'regtest', overrides: { initialShareBits: targetToBits(difficultyToTarget(0.00005)), windowShares: 50 } })
  const config: NodeConfig = {
    dataDir,
    bitcoind: { url: regtest.rpcUrl, auth: { user: regtest.user, password: regtest.password }, pollIntervalMs: 100 },
    stratum: { host: '127.0.0.1', port: await freePort() },
    dht: dht.choice(),
    ...nodeOptions
  }
  const apiPort = await freePort()
  const miners: { client: StratumClient; driver: CpuDriver }[] = []
  const h: ApiNodeHarness = {
    regtest,
    dataDir,
    node: await HashcoopNode.start(config),
    api: null as unknown as ApiServer,
    async mine(username, password = 'x') {
      const driver = new CpuDriver({ threads: 1 })
      await driver.start()
      const client = new StratumClient({ host: '127.0.0.1', port: config.stratum.port, username, password, driver, reconnectDelayMs: 100, maxReconnectDelayMs: 500 })
      client.start()
      miners.push({ client, driver })
      return client
    },
    async restart() {
      await h.api.close()
      await h.node.stop()
      h.node = await HashcoopNode.start({ ...config, dht: dht.choice() }) // the old DHT node went with the old swarm
      h.api = await ApiServer.start({ node: h.node, port: apiPort, sampleIntervalMs: 200, ...apiOptions })
    },
    async stop() {
      for (const m of miners) {
        await m.client.stop()
        await m.driver.stop()
      }
      await h.api?.close()
      await h.node?.stop()
      await dht.stop()
      await regtest.close()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
  h.api = await ApiServer.start({ node: h.node, port: apiPort, sampleIntervalMs: 200, ...apiOptions })
  return h
}
