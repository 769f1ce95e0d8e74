/**
 * Issue 16: a stopped bitcoind is called lost within 2 s whatever tells the node of new blocks:
 * polling, getblocktemplate longpoll, or ZMQ (a local zeromq PUB socket stands in for Core's
 * -zmqpubhashblock; bcoin has none). One real regtest node (bcoin), stopped and started again on
 * the same chain; the three template sources watch it at once. The times are printed and asserted
 * with slack for a busy machine (the bench records them without: test/bench/bitcoin.bench.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Publisher } from 'zeromq'
import { RpcClient } from '../../../src/bitcoin/rpc.js'
import { TemplateSource, type NotifyMode } from '../../../src/bitcoin/template-source.js'
import { addressToScript } from '../../../src/bitcoin/address.js'
import { freePort, startRegtest, type RegtestNode } from '../../harness/regtest.js'
import { waitFor } from '../../harness/autobase-chain.js'

const ADDRESS = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080'
/** The bound, and the slack a machine shared by several test runs gets. */
const BOUND_MS = 2_000
const SLACK = 3

let regtest: RegtestNode
let publisher: Publisher
let zmqUrl: string
const sources: { mode: NotifyMode; source: TemplateSource; rpc: RpcClient; lostAt: number | null; regained: number }[] = []

beforeAll(async () => {
  regtest = await startRegtest()
  await regtest.mineToScript(5, addressToScript(ADDRESS, 'regtest'))
  publisher = new Publisher()
  zmqUrl = `tcp://127.0.0.1:${await freePort()}`
  await publisher.bind(zmqUrl)
}, 60_000)

afterAll(async () => {
  for (const s of sources) {
    await s.source.close()
    s.rpc.close()
  }
  publisher?.close()
  await regtest?.close()
})

describe('bitcoind outage detection', () => {
  it('poll, longpoll and zmq all call a stopped bitcoind lost within 2 s, and regain it', async () => {
    for (const mode of ['poll', 'longpoll', 'zmq'] as const) {
      const rpc = new RpcClient({ url: regtest.rpcUrl, auth: { user: regtest.user, password: regtest.password }, network: 'regtest', retryDelayMs: 20 })
      const source = new TemplateSource({ rpc, normalize: { reservedWeight: 4000, reservedSigops: 400 }, notify: mode, ...(mode === 'zmq' ? { zmqUrl } : {}), retryMaxMs: 500 })
      const entry = { mode, source, rpc, lostAt: null as number | null, regained: 0 }
      source.on('status', (s) => {
        if (s.state === 'lost') entry.lostAt ??= performance.now()
        else entry.regained++
      })
      source.on('error', () => {})
      sources.push(entry)
      await source.start()
      expect(source.stats.mode).toBe(mode)
    }
    // A block, announced on ZMQ as Core would: every source follows it.
    const [hash] = await regtest.mineToScript(1, addressToScript(ADDRESS, 'regtest'))
    await publisher.send(['hashblock', Buffer.from(hash as string, 'hex'), Buffer.alloc(4)])
    await waitFor(async () => sources.every((s) => s.source.stats.newBlocks >= 1), 'every source to see the new block', 20_000)

    await regtest.stop()
    await waitFor(async () => sources.every((s) => s.lostAt !== null), 'every source to call bitcoind lost', 30_000)
    const detection = Object.fromEntries(sources.map((s) => [s.mode, Math.round((s.lostAt as number) - (regtest.stoppedAt as number))]))
    console.log(`bitcoind lost detected after (ms): ${JSON.stringify(detection)}`)
    for (const s of sources) expect(detection[s.mode], s.mode).toBeLessThan(BOUND_MS * SLACK)

    await regtest.resume()
    await waitFor(async () => sources.every((s) => s.regained >= 1 && s.source.stats.connected), 'every source to regain bitcoind', 30_000)
  }, 90_000)
})
