/**
 * Issue 5 end to end: a real regtest node (bcoin), a local DHT, two cooperative nodes, three CPU
 * miners over real TCP stratum with three payout addresses (one on the second node). Shares flow,
 * blocks are found and accepted, and every accepted block's coinbase pays exactly the split the
 * share-chain dictates at that block's parent share, read back from the Bitcoin node.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Block } from 'bitcoinjs-lib'
import { fromHex, toHex } from '../../../src/bitcoin/bytes.js'
import { difficultyToTarget, targetToBits } from '../../../src/bitcoin/target.js'
import { addressToScript } from '../../../src/bitcoin/address.js'
import { decodeShare } from '../../../protocol/share.js'
import { shareCoinbase } from '../../../src/sharechain/coinbase.js'
import { HashcoopNode, initCooperative } from '../../../src/node/node.js'
import { CpuDriver } from '../../../src/drivers/cpu.js'
import { StratumClient } from '../../../src/drivers/stratum-client.js'
import { startRegtest, freePort, type RegtestNode } from '../../harness/regtest.js'
import { startLocalDht, type LocalDht } from '../../harness/dht.js'
import { readAll } from '../../harness/view-read.js'
import type { BlockValue, ShareValue } from '../../../src/sharechain/view.js'

const ADDRESSES = ['bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080', 'bcrt1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qzf4jry', 'mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn']

let regtest: RegtestNode
let dht: LocalDht
const dirs: string[] = []
const nodes: HashcoopNode[] = []
const miners: { client: StratumClient; driver: CpuDriver }[] = []

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'hashcoop-e2e-'))
  dirs.push(d)
  return d
}

async function waitFor(cond: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

beforeAll(async () => {
  regtest = await startRegtest()
  await regtest.mineToScript(440, addressToScript(ADDRESSES[0] as string, 'regtest')) // segwit active: witness commitments exercised
  dht = await startLocalDht()
}, 120_000)

afterAll(async () => {
  for (const m of miners) {
    await m.client.stop().catch(() => {})
    await m.driver.stop()
  }
  for (const n of nodes) await n.stop()
  await dht?.stop()
  await regtest?.close()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
}, 60_000)

describe('cooperative end to end on regtest', () => {
  it('two nodes, three miners: shares flow, blocks are accepted and pay the share-chain split', async () => {
    const founderDir = tempDir()
    const { joinKey } = await initCooperative({
      dataDir: founderDir,
      network: 'regtest',
      overrides: { shareInterval: 2, halfLife: 60, initialShareBits: targetToBits(difficultyToTarget(0.0002)), windowShares: 50 }
    })
    const bitcoind = { url: regtest.rpcUrl, auth: { user: regtest.user, password: regtest.password }, pollIntervalMs: 100 }
    const node1 = await HashcoopNode.start({ dataDir: founderDir, bitcoind, stratum: { host: '127.0.0.1', port: await freePort() }, dht: dht.choice() })
    nodes.push(node1)
    const node2 = await HashcoopNode.start({ dataDir: tempDir(), joinKey, bitcoind, stratum: { host: '127.0.0.1', port: await freePort() }, dht: dht.choice() })
    nodes.push(node2)
    expect(node2.base.writable).toBe(false) // contributes through optimistic appends

    const targets = [node1, node1, node2]
    for (const [i, address] of ADDRESSES.entries()) {
      const driver = new CpuDriver({ threads: 1 })
      await driver.start()
      const node = targets[i] as HashcoopNode
      const client = new StratumClient({ host: '127.0.0.1', port: node.config.stratum.port, username: `${address}.rig${i}`, password: 'x', driver })
      client.start()
      miners.push({ client, driver })
    }

    const scripts = ADDRESSES.map((a) => toHex(addressToScript(a, 'regtest')))
    // Every miner has a share in node1's view and several blocks are accepted.
    await waitFor(async () => {
      const shares = await readAll<ShareValue>(node1, 'share')
      const found = new Set(shares.map((s) => s.script))
      return scripts.every((s) => found.has(s)) && node1.work.stats.blocks.accepted + node2.work.stats.blocks.accepted >= 4
    }, 'shares from all three miners and four accepted blocks', 150_000)
    for (const m of miners) await m.client.stop()

    // Both nodes converge on the same share-chain.
    await waitFor(async () => {
      await Promise.all(nodes.map((n) => n.base.update()))
      const [a, b] = await Promise.all(nodes.map((n) => n.base.autobase.hash()))
      return a !== undefined && b !== undefined && toHex(a) === toHex(b)
    }, 'the two nodes to converge', 30_000)
    const stats = (await node1.view.get('stats'))?.value as { invalid: number; shares: number }
    expect(stats.invalid).toBe(0)

    const chain = node1.state.shareChain
    if (chain === null) throw new Error('no chain')
    const blocks = await readAll<BlockValue>(node1, 'block')
    let checked = 0
    for (const b of blocks) {
      const header = await regtest.rpc.getBlockHeader(b.id.match(/../g)?.reverse().join('') ?? '').catch(() => null)
      if (header === null || (header as { confirmations?: number }).confirmations === -1) continue // lost a race on the Bitcoin chain
      const raw = await regtest.rpc.getBlock((b.id.match(/../g) ?? []).reverse().join(''), 0)
      const coinbase = Block.fromHex(raw as string).transactions?.[0]
      if (coinbase === undefined) throw new Error('block without transactions')
      const record = chain.get(b.id)
      if (record === undefined) throw new Error('block share missing from the chain memo')
      const parent = record.parentHex === null ? undefined : chain.get(record.parentHex)
      const split = chain.payoutSplit(parent, record.share.payoutScript, BigInt(record.share.coinbaseValue))
      // the view's record, the split at the parent, and the coinbase on the Bitcoin chain agree byte for byte
      expect(b.outputs).toEqual(split.outputs.map((o) => ({ script: toHex(o.script), value: String(o.value) })))
      const expected = shareCoinbase(chain.consensusId, decodeShare(fromHex(((await node1.view.get(`share!${b.id}`))?.value as ShareValue).bytes)), split.outputs)
      const stripped = coinbase.clone()
      for (const input of stripped.ins) input.witness = [] // compare the non-witness serialization (the txid's)
      expect(toHex(stripped.toBuffer())).toBe(toHex(expected))
      expect(coinbase.ins[0]?.witness).toEqual([new Uint8Array(32)]) // BIP141 reserved value
      checked++
    }
    expect(checked).toBeGreaterThanOrEqual(3)
    // Payouts reach more than one address once the window holds several miners' shares.
    const paid = new Set(blocks.flatMap((b) => b.outputs.map((o) => o.script)))
    expect(scripts.filter((s) => paid.has(s)).length).toBeGreaterThanOrEqual(2)
  }, 240_000)
})
