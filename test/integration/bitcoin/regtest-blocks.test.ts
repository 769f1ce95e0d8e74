/**
 * Blocks built by our code from getblocktemplate, judged by a real node (bcoin regtest, in process).
 * One node for the whole file; the tests run in order and build on each other's chain.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Block, payments, networks } from 'bitcoinjs-lib'
import { addressToScript } from '../../../src/bitcoin/address.js'
import { toHex } from '../../../src/bitcoin/bytes.js'
import { hashToHex } from '../../../src/bitcoin/hash.js'
import { RpcAuthError, RpcClient, RpcError, RpcWrongNetworkError, btcToSats } from '../../../src/bitcoin/rpc.js'
import { blockOverheadWeight, MAX_BLOCK_WEIGHT, normalizeTemplate, type BlockTemplate, type NormalizeOptions } from '../../../src/bitcoin/template.js'
import { buildBlock, splitValue, TEST_COMMITMENT } from '../../harness/block-builder.js'
import { startRegtest, type RegtestNode } from '../../harness/regtest.js'
import { spend, TestKey, type Coin } from '../../harness/wallet.js'

const NORMALIZE: NormalizeOptions = { reservedWeight: 4000, reservedSigops: 400, verifyTransactionHashes: true }

let node: RegtestNode
const payoutKey = new TestKey('payouts')
const legacyKey = new TestKey('legacy coins')
const segwitKey = new TestKey('segwit coins')

/** Three payout scripts of different types, from bcrt1/m-n regtest addresses as a user gives them. */
const payoutScripts = (): Uint8Array[] => {
  const net = networks.regtest
  const p2wpkh = payments.p2wpkh({ pubkey: payoutKey.publicKey, network: net }).address as string
  const p2tr = payments.p2tr({ internalPubkey: payoutKey.xOnly, network: net }).address as string
  const p2pkh = payments.p2pkh({ pubkey: payoutKey.publicKey, network: net }).address as string
  expect(p2wpkh.startsWith('bcrt1q')).toBe(true)
  expect(p2tr.startsWith('bcrt1p')).toBe(true)
  return [addressToScript(p2wpkh, 'regtest'), addressToScript(p2tr, 'regtest'), addressToScript(p2pkh, 'regtest')]
}

async function template(options: NormalizeOptions = NORMALIZE): Promise<{ raw: Record<string, unknown>; template: BlockTemplate }> {
  const raw = await node.rpc.getBlockTemplate()
  return { raw, template: normalizeTemplate(raw, options) }
}

async function blockAt(height: number): Promise<Block> {
  return Block.fromHex(await node.rpc.getBlock(await node.rpc.getBlockHash(height), 0))
}

/** The coinbase output paying `script` in the block at `height`, as a spendable coin. */
async function coinbaseCoin(height: number, key: TestKey, script: Uint8Array): Promise<Coin> {
  const coinbase = (await blockAt(height)).transactions?.[0]
  const vout = coinbase?.outs.findIndex((o) => toHex(o.script) === toHex(script)) ?? -1
  if (coinbase === undefined || vout < 0) throw new Error(`no coinbase output to the key at height ${height}`)
  return { txid: coinbase.getId(), vout, value: (coinbase.outs[vout] as { value: bigint }).value, script, key }
}

beforeAll(async () => {
  node = await startRegtest()
})

afterAll(async () => {
  await node?.close()
})

describe('blocks from getblocktemplate on a regtest node', () => {
  it('accepts a block whose coinbase pays P2WPKH, P2TR and P2PKH plus the commitment, exactly as built', async () => {
    const { template: t } = await template()
    expect(t.height).toBe(1)
    expect(t.transactions).toHaveLength(0)
    const payouts = splitValue(t.coinbaseValue, payoutScripts())
    const built = buildBlock(t, { payouts })

    expect(await node.rpc.submitBlock(built.block)).toEqual({ accepted: true, duplicate: false })
    expect(await node.rpc.getBestBlockHash()).toBe(built.hash)

    const coinbase = (await blockAt(1)).transactions?.[0]
    const expected = [...payouts.map((o) => ({ script: toHex(o.script), value: o.value })), { script: '6a20' + toHex(TEST_COMMITMENT), value: 0n }]
    expect(coinbase?.outs.map((o) => ({ script: toHex(o.script), value: o.value }))).toEqual(expected)

    const verbose = await node.getBlockWithTransactions(built.hash)
    const vout = verbose.tx[0]?.vout.map((o) => ({ script: o.scriptPubKey.hex, value: btcToSats(o.value) }))
    expect(vout).toEqual(expected)
    // A second submission of the same block is harmless (this is what makes retrying safe).
    const again = await node.rpc.submitBlock(built.block)
    expect(again.accepted === true || /duplicate/.test(again.reason)).toBe(true)
  })

  it('surfaces the reason for a wrong merkle root and for an overpaid coinbase', async () => {
    const { template: t } = await template()
    const scripts = payoutScripts()

    const badRoot = buildBlock(t, { payouts: splitValue(t.coinbaseValue, scripts), corruptMerkleRoot: true })
    const rootResult = await node.rpc.submitBlock(badRoot.block)
    expect(rootResult.accepted).toBe(false)
    expect(rootResult.accepted ? '' : rootResult.reason).toMatch(/bad-txnmrklroot/)

    const overpaid = buildBlock(t, { payouts: splitValue(t.coinbaseValue + 1n, scripts) })
    const amountResult = await node.rpc.submitBlock(overpaid.block)
    expect(amountResult.accepted ? '' : amountResult.reason).toMatch(/bad-cb-amount/)

    expect(await node.rpc.getBlockCount()).toBe(1)
  })

  it('mines a block with real legacy transactions, parent and child included', async () => {
    const start = await node.rpc.getBlockCount()
    await node.mineToScript(101, legacyKey.p2pkh)
    const coinA = await coinbaseCoin(start + 1, legacyKey, legacyKey.p2pkh)
    const coinC = await coinbaseCoin(start + 2, legacyKey, legacyKey.p2pkh)

    const parent = await spend([coinA], [
      { script: legacyKey.p2pkh, value: 2_000_000_000n },
      { script: payoutKey.p2pkh, value: coinA.value - 2_000_000_000n - 10_000n }
    ])
    const child = await spend([parent.coin(0, legacyKey)], [{ script: legacyKey.p2pkh, value: 2_000_000_000n - 20_000n }])
    const other = await spend([coinC], [{ script: payoutKey.p2wpkh, value: coinC.value - 15_000n }])
    for (const tx of [parent, child, other]) expect(await node.rpc.sendRawTransaction(tx.hex)).toBe(tx.txid)

    const { template: t } = await template()
    const ids = t.transactions.map((tx) => hashToHex(tx.txid))
    expect(new Set(ids)).toEqual(new Set([parent.txid, child.txid, other.txid]))
    expect(t.transactions[ids.indexOf(child.txid)]?.depends).toEqual([ids.indexOf(parent.txid)])
    expect(t.witnessCommitment).toBeNull() // bcoin: segwit not active yet at this height
    const subsidy = 5_000_000_000n
    expect(t.coinbaseValue).toBe(subsidy + 45_000n)

    const built = buildBlock(t, { payouts: splitValue(t.coinbaseValue, payoutScripts()) })
    expect(await node.rpc.submitBlock(built.block)).toEqual({ accepted: true, duplicate: false })
    const mined = await blockAt(t.height)
    expect(mined.getId()).toBe(built.hash)
    expect(mined.transactions?.map((tx) => tx.getId()).slice(1)).toEqual(ids)
  })

  describe('after segwit activation', () => {
    const coins: Coin[] = []

    beforeAll(async () => {
      const first = (await node.rpc.getBlockCount()) + 1
      await node.mineToScript(450 - first + 1, segwitKey.p2wpkh)
      for (let i = 0; i < 3; i++) coins.push(await coinbaseCoin(first + i, segwitKey, segwitKey.p2wpkh))
    })

    it('builds a block with witness transactions and its own witness commitment, accepted', async () => {
      const [coinD, coinF] = coins as [Coin, Coin]
      const parent = await spend([coinD], [
        { script: segwitKey.p2wpkh, value: 1_000_000_000n },
        { script: payoutKey.p2wpkh, value: coinD.value - 1_000_000_000n - 30_000n }
      ])
      const child = await spend([parent.coin(0, segwitKey)], [{ script: payoutKey.p2pkh, value: 1_000_000_000n - 40_000n }])
      const other = await spend([coinF], [{ script: payoutKey.p2wpkh, value: coinF.value - 50_000n }])
      for (const tx of [parent, child, other]) expect(await node.rpc.sendRawTransaction(tx.hex)).toBe(tx.txid)

      const { raw, template: full } = await template()
      expect(full.rules).toContain('!segwit')
      expect(full.transactions).toHaveLength(3)
      // normalizeTemplate already cross-checked this against default_witness_commitment.
      expect(toHex(full.witnessCommitment as Uint8Array)).toBe(raw.default_witness_commitment)
      const ids = full.transactions.map((tx) => hashToHex(tx.txid))
      const parentIndex = ids.indexOf(parent.txid)
      expect(full.transactions.some((tx) => toHex(tx.txid) !== toHex(tx.wtxid))).toBe(true)

      // Reserve so much coinbase weight that only the transactions before the parent fit: the
      // parent goes, and its child with it.
      const before = full.transactions.slice(0, parentIndex)
      const fitting = before.reduce((sum, tx) => sum + tx.weight, 0)
      const reservedWeight = MAX_BLOCK_WEIGHT - blockOverheadWeight(1 + before.length) - fitting
      const trimmed = normalizeTemplate(raw, { ...NORMALIZE, reservedWeight })
      const dropped = full.transactions.slice(parentIndex)
      const droppedFees = dropped.reduce((sum, tx) => sum + tx.fee, 0n)
      expect(trimmed.transactions.map((tx) => hashToHex(tx.txid))).toEqual(ids.slice(0, parentIndex))
      expect(trimmed.trimmed).toEqual({ transactions: dropped.length, fees: droppedFees })
      expect(trimmed.coinbaseValue).toBe(full.coinbaseValue - droppedFees)
      expect(toHex(trimmed.witnessCommitment as Uint8Array)).not.toBe(raw.default_witness_commitment)

      const scripts = payoutScripts()
      const greedy = buildBlock(trimmed, { payouts: splitValue(trimmed.coinbaseValue + 1n, scripts) })
      const greedyResult = await node.rpc.submitBlock(greedy.block)
      expect(greedyResult.accepted ? '' : greedyResult.reason).toMatch(/bad-cb-amount/)
      const exact = buildBlock(trimmed, { payouts: splitValue(trimmed.coinbaseValue, scripts) })
      expect(await node.rpc.submitBlock(exact.block)).toEqual({ accepted: true, duplicate: false })

      // What was trimmed is still in the mempool: the next template carries it, and that block is
      // accepted too (witness commitment over all three kinds of spend).
      const { template: next } = await template()
      expect(next.transactions.map((tx) => hashToHex(tx.txid))).toEqual(ids.slice(parentIndex))
      const built = buildBlock(next, { payouts: splitValue(next.coinbaseValue, scripts) })
      expect(await node.rpc.submitBlock(built.block)).toEqual({ accepted: true, duplicate: false })
      const mined = await blockAt(next.height)
      expect(mined.getId()).toBe(built.hash)
      expect(toHex(mined.transactions?.[0]?.outs[0]?.script ?? new Uint8Array(0))).toBe(toHex(next.witnessCommitment as Uint8Array))
      expect(mined.checkTxRoots()).toBe(true)
    })

    it('rejects a block with witness transactions but no witness commitment', async () => {
      const coin = coins[2] as Coin
      const tx = await spend([coin], [{ script: payoutKey.p2wpkh, value: coin.value - 25_000n }])
      await node.rpc.sendRawTransaction(tx.hex)
      const { template: t } = await template()
      expect(t.transactions.map((x) => hashToHex(x.txid))).toEqual([tx.txid])
      const scripts = payoutScripts()

      const uncommitted = buildBlock({ ...t, witnessCommitment: null }, { payouts: splitValue(t.coinbaseValue, scripts) })
      const result = await node.rpc.submitBlock(uncommitted.block)
      expect(result.accepted ? '' : result.reason).toMatch(/unexpected-witness/)

      const built = buildBlock(t, { payouts: splitValue(t.coinbaseValue, scripts) })
      expect(await node.rpc.submitBlock(built.block)).toEqual({ accepted: true, duplicate: false })
    })
  })
})

describe('RPC against the regtest node', () => {
  it('refuses a wrong password with RpcAuthError, without echoing it', async () => {
    const client = new RpcClient({ url: node.rpcUrl, auth: { user: node.user, password: 'not-the-password' } })
    const err = await client.getBestBlockHash().catch((e: unknown) => e)
    client.close()
    expect(err).toBeInstanceOf(RpcAuthError)
    expect(String((err as Error).message)).not.toContain('not-the-password')
  })

  it('checks the network', async () => {
    await expect(node.rpc.checkNetwork('regtest')).resolves.toMatchObject({ chain: 'regtest' })
    await expect(node.rpc.checkNetwork('mainnet')).rejects.toBeInstanceOf(RpcWrongNetworkError)
  })

  it('reports an RPC error object as RpcError with its code', async () => {
    const err = await node.rpc.getBlock('00'.repeat(32), 1).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RpcError)
    expect(typeof (err as RpcError).code).toBe('number')
    expect((err as RpcError).rpcMessage).toMatch(/not found/i)
  })
})
