/**
 * newblock_to_notify_ms (issue 5): from a new-block template reaching the work layer to the first
 * mining.notify line a connected miner receives, over real TCP on loopback. The template carries
 * 3,000 transactions (the merkle branch is recomputed), 100 miners on 10 payout addresses.
 */
import { connect, type Socket } from 'node:net'
import { randomBytes } from 'node:crypto'
import { scriptToAddress } from '../../src/bitcoin/address.js'
import { bitsToTarget } from '../../src/bitcoin/target.js'
import { witnessCommitmentHash, witnessCommitmentScript } from '../../src/bitcoin/merkle.js'
import type { BlockTemplate } from '../../src/bitcoin/template.js'
import { StratumServer } from '../../src/stratum/index.js'
import { WorkManager } from '../../src/work/manager.js'
import { TestChain, minerScript } from '../harness/sharechain.js'
import { emit } from './lib.js'

const ADDRESS_COUNT = 10
const MINERS = 100
const ROUNDS = 30

function template(height: number): BlockTemplate {
  const transactions = Array.from({ length: 3000 }, () => ({ data: '00', txid: new Uint8Array(randomBytes(32)), wtxid: new Uint8Array(randomBytes(32)), fee: 1000n, sigops: 1, weight: 800, depends: [] }))
  return {
    height,
    version: 0x20000000,
    prevHash: new Uint8Array(randomBytes(32)),
    bits: 0x207fffff,
    target: bitsToTarget(0x207fffff),
    curtime: 1_800_000_000 + height,
    mintime: 1_700_000_000,
    coinbaseValue: 312_500_000n + 3_000_000n,
    transactions,
    witnessCommitment: witnessCommitmentScript(witnessCommitmentHash(transactions.map((t) => t.wtxid))),
    rules: ['csv', 'segwit'],
    longpollId: null,
    weightLimit: 4_000_000,
    sigopLimit: 80_000
  }
}

/** A raw stratum miner: subscribe + authorize, then reports each notify's arrival. */
function miner(port: number, address: string, onNotify: () => void): Promise<Socket> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => {
      s.write(JSON.stringify({ id: 1, method: 'mining.subscribe', params: ['bench/1.0'] }) + '\n')
      s.write(JSON.stringify({ id: 2, method: 'mining.authorize', params: [address, 'x'] }) + '\n')
      resolve(s)
    })
    let buf = ''
    s.on('data', (d) => {
      buf += d.toString()
      let i
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i)
        buf = buf.slice(i + 1)
        if (line.includes('"mining.notify"')) onNotify()
      }
    })
    s.on('error', () => {})
  })
}

async function main(): Promise<void> {
  const chain = await TestChain.create()
  for (let i = 0; i < 20; i++) await chain.extend(minerScript(i % 5))
  let work: WorkManager | null = null
  const server = new StratumServer({ network: 'regtest', host: '127.0.0.1', port: 0, onSolution: (s) => (work === null ? undefined : work.onSolution(s)) })
  const addr = await server.listen()
  work = new WorkManager({
    state: chain.state,
    view: chain.view,
    extranonceSize: server.extranonceSize,
    tag: new TextEncoder().encode('/bench/'),
    publish: (job) => server.setJob(job),
    submitBlock: async () => ({ accepted: true }),
    appendEntry: async () => {}
  })
  await work.onTemplate(template(100), true)
  const addresses = Array.from({ length: ADDRESS_COUNT }, (_, i) => ({ address: scriptToAddress(minerScript(i), 'regtest') as string }))

  let waiting: ((t: bigint) => void) | null = null
  const sockets: Socket[] = []
  for (let i = 0; i < MINERS; i++) {
    sockets.push(
      await miner(addr.port, `${(addresses[i % ADDRESS_COUNT] as { address: string }).address}.w${i}`, () => {
        if (waiting !== null) {
          const w = waiting
          waiting = null
          w(process.hrtime.bigint())
        }
      })
    )
  }
  await new Promise((r) => setTimeout(r, 500)) // every miner authorized and holding the first job

  const samples: number[] = []
  for (let r = 0; r < ROUNDS; r++) {
    const t = template(101 + r)
    const arrived = new Promise<bigint>((resolve) => (waiting = resolve))
    const t0 = process.hrtime.bigint()
    await work.onTemplate(t, true)
    samples.push(Number((await arrived) - t0) / 1e6)
    await new Promise((res) => setTimeout(res, 50))
  }
  samples.sort((a, b) => a - b)
  emit({ name: 'newblock_to_notify_ms', value: samples[Math.floor(samples.length / 2)] as number, unit: 'ms', p95: samples[Math.floor(samples.length * 0.95)], transactions: 3000, miners: MINERS, addresses: ADDRESS_COUNT, goal: 50 })
  for (const s of sockets) s.destroy()
  await server.close()
}

await main()
