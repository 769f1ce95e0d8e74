/**
 * bitcoind_lost_ms (issue 16): from a regtest node (bcoin) closing its RPC port to each template
 * source calling bitcoind lost, per notification path (poll, longpoll, zmq with a local PUB
 * socket standing in for Core's -zmqpubhashblock); and bitcoind_regained_ms after it comes back.
 * Goal: under 2000 ms on every path.
 */
import { Publisher } from 'zeromq'
import { RpcClient } from '../../src/bitcoin/rpc.js'
import { TemplateSource } from '../../src/bitcoin/template-source.js'
import { addressToScript } from '../../src/bitcoin/address.js'
import { freePort, startRegtest } from '../harness/regtest.js'
import { emit } from './lib.js'

const ROUNDS = 5

async function until(cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 5))
  }
}

async function main(): Promise<void> {
  const regtest = await startRegtest()
  await regtest.mineToScript(3, addressToScript('bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080', 'regtest'))
  const publisher = new Publisher()
  const zmqUrl = `tcp://127.0.0.1:${await freePort()}`
  await publisher.bind(zmqUrl)
  const modes = ['poll', 'longpoll', 'zmq'] as const
  const watched = modes.map((mode) => {
    const rpc = new RpcClient({ url: regtest.rpcUrl, auth: { user: regtest.user, password: regtest.password }, network: 'regtest', retryDelayMs: 20 })
    const source = new TemplateSource({ rpc, normalize: { reservedWeight: 4000, reservedSigops: 400 }, notify: mode, ...(mode === 'zmq' ? { zmqUrl } : {}), retryMaxMs: 250 })
    const entry = { mode, rpc, source, lostAt: null as number | null, regainedAt: null as number | null, lost: [] as number[], regained: [] as number[] }
    source.on('status', (s) => {
      if (s.state === 'lost') entry.lostAt ??= performance.now()
      else entry.regainedAt ??= performance.now()
    })
    source.on('error', () => {})
    return entry
  })
  await Promise.all(watched.map((w) => w.source.start()))
  for (let round = 0; round < ROUNDS; round++) {
    for (const w of watched) w.lostAt = w.regainedAt = null
    await regtest.stop()
    await until(() => watched.every((w) => w.lostAt !== null))
    const resumeAt = performance.now()
    await regtest.resume()
    await until(() => watched.every((w) => w.regainedAt !== null && w.source.stats.connected))
    for (const w of watched) {
      w.lost.push((w.lostAt as number) - (regtest.stoppedAt as number))
      w.regained.push((w.regainedAt as number) - resumeAt)
    }
  }
  for (const w of watched) {
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number
    emit({ name: `bitcoind_lost_ms_${w.mode}`, value: median(w.lost), unit: 'ms', max: Math.max(...w.lost), rounds: ROUNDS, goal: 2000 })
    emit({ name: `bitcoind_regained_ms_${w.mode}`, value: median(w.regained), unit: 'ms', max: Math.max(...w.regained), rounds: ROUNDS })
    await w.source.close()
    w.rpc.close()
  }
  publisher.close()
  await regtest.close()
}

await main()
