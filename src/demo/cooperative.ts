/**
 * The embedded demo: everything `npm start` runs, in one process, on loopback only.
 *
 *   a local HyperDHT testnet (127.0.0.1)      -- the nodes find each other here, never on the public DHT
 *   bcoin regtest, in process                 -- the Bitcoin node; ~440 blocks mined first so segwit is
 *                                                active and coinbases carry witness commitments
 *   node 1: `hashcoop init` + node, founder   -- indexer; its HTTP API serves the dashboard
 *   node 2: joiner, added as a writer          -- by node 1 with base.addWriter (an admin op in the log)
 *   node 3+: joiners left non-writers          -- their shares enter through optimistic appends
 *   CPU miners (1 thread each)                 -- CpuDriver + StratumClient over TCP, one regtest
 *                                                address each, spread over the nodes' stratum ports
 *
 * The share difficulty is calibrated from the miners' measured hashrate so that the cooperative
 * finds a share about every 2 s (on regtest every share is also a block).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { addressToScript } from '../bitcoin/address.js'
import { difficultyToTarget, targetToBits } from '../bitcoin/target.js'
import { ApiServer } from '../api/server.js'
import { CpuDriver } from '../drivers/cpu.js'
import { StratumClient } from '../drivers/stratum-client.js'
import { clientLogger, coopLogger, stratumLogger, watchTip, type Logger } from '../log/index.js'
import { HashcoopNode, initCooperative } from '../node/node.js'
import { demoAddress } from './addresses.js'
import { startLocalDht, type LocalDht } from './local-dht.js'
import { freePort, startRegtest, SEGWIT_ACTIVE_AFTER, type RegtestNode } from './regtest.js'

export interface DemoOptions {
  nodes: number
  miners: number
  /** The first node's HTTP port (0: any free port). The other nodes' APIs take free ports. */
  httpPort: number
  logger: Logger
  /** Says what the demo is doing while it starts. */
  progress?: (line: string) => void
}

/** start() was interrupted by stop(). */
export class DemoStopped extends Error {
  constructor() {
    super('the demo was stopped while starting')
  }
}

export interface DemoMiner {
  index: number
  address: string
  worker: string
  node: number
  driver: CpuDriver
  /** Null until the nodes are up. */
  client: StratumClient | null
}

export interface DemoNode {
  index: number
  role: 'founder' | 'writer' | 'non-writer'
  node: HashcoopNode
  api: ApiServer
  dataDir: string
}

/** The cooperative's share rate the calibration aims at (SPEC: regtest shareInterval 2 s). */
const SHARE_SECONDS = 2
const CALIBRATION_MS = 1500

export class Demo {
  readonly startedAt = Date.now()
  readonly nodes: DemoNode[] = []
  readonly miners: DemoMiner[] = []
  dht: LocalDht | null = null
  regtest: RegtestNode | null = null
  joinKey = ''
  shareDifficulty = 0
  private readonly dirs: string[] = []
  private readonly unwatch: (() => void)[] = []
  private stopping: Promise<void> | null = null
  private starting: Promise<void> | null = null
  private cleaning: Promise<void> | null = null

  constructor(private readonly opts: DemoOptions) {}

  /**
   * Starts everything; rejects (after cleaning up) if a part fails, or with DemoStopped if stop()
   * is called meanwhile (Ctrl-C during start-up).
   */
  start(): Promise<void> {
    this.starting ??= this.run().catch(async (err: unknown) => {
      if (this.stopping === null) await this.cleanup() // a failure: stop() was not asked for
      throw err
    })
    return this.starting
  }

  get dashboardUrl(): string {
    return (this.nodes[0] as DemoNode).api.url + '/'
  }

  private say(line: string): void {
    if (this.stopping !== null) throw new DemoStopped()
    this.opts.progress?.(line)
    this.opts.logger.info({}, line)
  }

  private async run(): Promise<void> {
    const { logger } = this.opts
    this.say('starting a local DHT testnet on 127.0.0.1')
    this.dht = await startLocalDht()
    this.say('starting bcoin regtest in process')
    this.regtest = await startRegtest()
    this.say(`mining ${SEGWIT_ACTIVE_AFTER} regtest blocks so segwit is active`)
    // Mined an hour in the past (bcoin's setmocktime), then the clock is put back: blocks mined in a
    // burst at the wall clock would push the chain's median time past ahead of real time, and
    // every share's timestamp with it.
    const now = Math.floor(Date.now() / 1000)
    await this.regtest.rpc.call('setmocktime', [now - 3600])
    await this.regtest.mineToScript(SEGWIT_ACTIVE_AFTER, addressToScript(demoAddress('bitcoind', 0), 'regtest'))
    await this.regtest.rpc.call('setmocktime', [Math.floor(Date.now() / 1000)])

    const drivers = await this.startDrivers()
    this.shareDifficulty = await calibrate(drivers)
    this.say(`CPU miners hash at about ${Math.round(totalHashrate(drivers))} H/s: initial share difficulty ${this.shareDifficulty.toPrecision(3)} (a share every ~${SHARE_SECONDS} s)`)

    // The regtest node runs in this process, on the event loop the nodes and miners keep busy: a
    // generous liveness deadline, so a slow answer is not taken for a lost bitcoind.
    const bitcoind = { url: this.regtest.rpcUrl, auth: { user: this.regtest.user, password: this.regtest.password }, pollIntervalMs: 100, livenessTimeoutMs: 5_000 }
    const founderDir = await this.tempDir()
    const { joinKey } = await initCooperative({
      dataDir: founderDir,
      network: 'regtest',
      overrides: { name: 'hashcoop demo', shareInterval: SHARE_SECONDS, initialShareBits: targetToBits(difficultyToTarget(this.shareDifficulty)) },
      logger: coopLogger(logger.child({ node: 1 }))
    })
    this.joinKey = joinKey
    for (let i = 1; i <= this.opts.nodes; i++) {
      this.say(`starting node ${i} of ${this.opts.nodes}`)
      const dataDir = i === 1 ? founderDir : await this.tempDir()
      const log = logger.child({ node: i })
      const node = await HashcoopNode.start({
        dataDir,
        ...(i === 1 ? {} : { joinKey }),
        bitcoind,
        // vardiff off: every session mines at the share difficulty, so every solution is a share.
        stratum: { host: '127.0.0.1', port: await freePort(), vardiff: false, logger: stratumLogger(log.child({}, { level: 'warn' })) },
        dht: (this.dht as LocalDht).choice(),
        logger: coopLogger(log)
      })
      const api = await startApi(node, i === 1 ? this.opts.httpPort : 0, log)
      const role = i === 1 ? 'founder' : i === 2 ? 'writer' : 'non-writer'
      this.nodes.push({ index: i, role, node, api, dataDir })
      this.unwatch.push(watchTip(node, coopLogger(log)))
    }
    const writer = this.nodes[1]
    if (writer !== undefined) {
      const founder = this.nodes[0] as DemoNode
      this.say('node 1 adds node 2 as a writer (an admin op in the share-chain log)')
      await founder.node.base.addWriter(writer.node.base.localKey)
      await waitUntil(() => writer.node.base.writable || this.stopping !== null, 30_000).catch(() => logger.warn({}, 'node 2 has not become a writer yet; it mines through optimistic appends meanwhile'))
    }
    this.startMiners(drivers)
    this.say(`${this.miners.length} CPU miner${this.miners.length === 1 ? '' : 's'} connected; dashboard at ${this.dashboardUrl}`)
  }

  private async startDrivers(): Promise<CpuDriver[]> {
    const drivers: CpuDriver[] = []
    for (let i = 0; i < this.opts.miners; i++) {
      const driver = new CpuDriver({ threads: 1, hashrateWindowMs: 5_000 })
      driver.on('error', (err: Error) => this.opts.logger.error({ miner: i + 1 }, `CPU miner ${i + 1}: ${err.message}`))
      await driver.start()
      drivers.push(driver)
      // Registered at once, so stop() stops it even if the start fails later on.
      this.miners.push({ index: i + 1, address: demoAddress('miner', i), worker: `cpu${i + 1}`, node: (i % this.opts.nodes) + 1, driver, client: null })
    }
    return drivers
  }

  private startMiners(drivers: CpuDriver[]): void {
    for (const [i, miner] of this.miners.entries()) {
      const target = this.nodes[miner.node - 1] as DemoNode
      const client = new StratumClient({
        host: '127.0.0.1',
        port: target.node.config.stratum.port,
        username: `${miner.address}.${miner.worker}`,
        password: 'x',
        driver: drivers[i] as CpuDriver,
        reconnectDelayMs: 500,
        maxReconnectDelayMs: 5_000,
        logger: clientLogger(this.opts.logger.child({ miner: miner.index }))
      })
      client.start()
      miner.client = client
    }
  }

  private async tempDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'hashcoop-demo-'))
    this.dirs.push(dir)
    return dir
  }

  /** Stops miners, APIs, nodes, the DHT and bcoin, and removes the temporary data dirs. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      // A start in progress notices at its next step (say() throws) and leaves the rest to us.
      await this.starting?.catch(() => {})
      await this.cleanup()
    })()
    return this.stopping
  }

  private cleanup(): Promise<void> {
    this.cleaning ??= (async () => {
      for (const u of this.unwatch) u()
      await Promise.all(this.miners.map(async (m) => {
        if (m.client !== null) await m.client.stop().catch(() => {})
        await m.driver.stop().catch(() => {})
      }))
      for (const n of this.nodes) await n.api.close().catch(() => {})
      for (const n of [...this.nodes].reverse()) await n.node.stop().catch(() => {})
      await this.dht?.stop().catch(() => {})
      await this.regtest?.close().catch(() => {})
      for (const d of this.dirs) await rm(d, { recursive: true, force: true }).catch(() => {})
    })()
    return this.cleaning
  }
}

async function startApi(node: HashcoopNode, port: number, log: Logger): Promise<ApiServer> {
  try {
    return await ApiServer.start({ node, host: '127.0.0.1', port, logger: coopLogger(log), sampleIntervalMs: 5_000 })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port === 0) throw err
    log.warn({ port }, `port ${port} is taken: the dashboard gets a free port instead (choose one with --http-port)`)
    return ApiServer.start({ node, host: '127.0.0.1', port: 0, logger: coopLogger(log), sampleIntervalMs: 5_000 })
  }
}

function totalHashrate(drivers: readonly CpuDriver[]): number {
  return drivers.reduce((sum, d) => sum + d.stats().hashrate, 0)
}

/**
 * Hashes the miners' threads on throwaway work (an unreachable target) for a moment and returns
 * the share difficulty at which all of them together find a share every SHARE_SECONDS.
 */
async function calibrate(drivers: readonly CpuDriver[]): Promise<number> {
  const work = {
    jobId: 'calibration',
    version: 0x20000000,
    prevHash: new Uint8Array(32),
    ntime: Math.floor(Date.now() / 1000),
    bits: 0x207fffff,
    coinb1: new Uint8Array(42),
    extranonce1: new Uint8Array(4),
    extranonce2Size: 8,
    coinb2: new Uint8Array(40),
    merkleBranch: [],
    target: 0n,
    versionMask: 0
  }
  for (const d of drivers) d.setWork(work, true)
  await new Promise((r) => setTimeout(r, CALIBRATION_MS))
  const hashrate = totalHashrate(drivers)
  for (const d of drivers) d.clearWork()
  // difficulty 1 = 2^32 hashes per share; clamp so a stalled measurement still gives a usable chain.
  const difficulty = (hashrate * SHARE_SECONDS) / 2 ** 32
  return Math.min(0.05, Math.max(0.00002, difficulty))
}

async function waitUntil(cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 100))
  }
}
