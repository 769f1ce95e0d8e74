import { Block, Transaction } from 'bitcoinjs-lib'
import { describe, expect, it } from 'vitest'
import { fromHex, toHex } from '../../../src/bitcoin/bytes.js'
import { serializeBlock } from '../../../src/bitcoin/block.js'
import { assembleCoinbase, buildCoinbaseParts, txid } from '../../../src/bitcoin/coinbase.js'
import { hashFromHex, hashToHex } from '../../../src/bitcoin/hash.js'
import { decodeHeader, headerHashHex, type BlockHeader } from '../../../src/bitcoin/header.js'
import { merkleRoot, witnessCommitmentHash, witnessCommitmentScript } from '../../../src/bitcoin/merkle.js'

const GENESIS_HEADER = '0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c'
const GENESIS_COINBASE =
  '01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000'

describe('serializeBlock', () => {
  it('rebuilds the mainnet genesis block', () => {
    const coinbase = fromHex(GENESIS_COINBASE)
    expect(hashToHex(txid(coinbase))).toBe('4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b')
    const block = serializeBlock(decodeHeader(fromHex(GENESIS_HEADER)), coinbase, [], false)
    expect(toHex(block)).toBe(GENESIS_HEADER + '01' + GENESIS_COINBASE)
    const parsed = Block.fromBuffer(Buffer.from(block))
    expect(parsed.getId()).toBe('000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f')
    expect(parsed.checkTxRoots()).toBe(true)
  })

  it('a segwit block: witness coinbase, template transactions, both commitments check out', () => {
    // A template transaction with witness data, built and signed by nobody: only its bytes matter here.
    const spend = new Transaction()
    spend.version = 2
    spend.addInput(hashFromHex('8c14f0db3df150123e6f3dbbf30f8b955a8249b62ac1d1ff16284aefa3d06d87'), 1)
    spend.addOutput(fromHex('0014751e76e8199196d454941c45d1b3a323f1433bd6'), 50_000n)
    spend.setWitness(0, [new Uint8Array(71).fill(0x30), new Uint8Array(33).fill(0x02)])
    const legacy = new Transaction()
    legacy.version = 1
    legacy.addInput(hashFromHex('fff2525b8931402dd09222c50775608f75787bd2b87e56995a7bdd30f79702c4'), 0)
    legacy.addOutput(fromHex('76a91462e907b15cbf27d5425399ebf6f0fb50ebb88f1888ac'), 1_000n)

    const templateTxs = [spend, legacy]
    const commitment = witnessCommitmentScript(witnessCommitmentHash(templateTxs.map((t) => t.getHash(true))))
    const parts = buildCoinbaseParts({
      height: 840000,
      extranonceSize: 8,
      witnessCommitment: commitment,
      payouts: [{ value: 312_500_000n, script: fromHex('0014751e76e8199196d454941c45d1b3a323f1433bd6') }],
      commitment: new Uint8Array(32).fill(0xcc)
    })
    const coinbase = assembleCoinbase(parts, new Uint8Array(8).fill(1))
    const header: BlockHeader = {
      version: 0x20000000,
      prevHash: hashFromHex('0000000000000000000320283a032748cef8227873ff4872689bf23f1cda83a5'),
      merkleRoot: merkleRoot([txid(coinbase), ...templateTxs.map((t) => t.getHash())]),
      time: 1713571767,
      bits: 0x17034219,
      nonce: 0
    }
    const block = serializeBlock(header, coinbase, templateTxs.map((t) => t.toHex()), true)

    const parsed = Block.fromBuffer(Buffer.from(block))
    expect(parsed.getId()).toBe(headerHashHex(header))
    expect(parsed.transactions?.length).toBe(3)
    const parsedCoinbase = parsed.transactions![0]!
    expect(parsedCoinbase.hasWitnesses()).toBe(true)
    expect(parsedCoinbase.ins[0]!.witness.map((w) => toHex(w))).toEqual(['00'.repeat(32)])
    expect(parsedCoinbase.getId()).toBe(hashToHex(txid(coinbase)))
    expect(parsed.transactions![1]!.toHex()).toBe(spend.toHex())
    expect(parsed.transactions![2]!.toHex()).toBe(legacy.toHex())
    // The merkle root and the witness commitment, recomputed by bitcoinjs-lib.
    expect(parsed.hasWitnessCommit()).toBe(true)
    expect(parsed.checkTxRoots()).toBe(true)
  })

  it('a non-segwit block keeps the legacy coinbase', () => {
    const parts = buildCoinbaseParts({ height: 17, extranonceSize: 4, witnessCommitment: null, payouts: [], commitment: new Uint8Array(32) })
    const coinbase = assembleCoinbase(parts, new Uint8Array(4))
    const header: BlockHeader = { version: 1, prevHash: new Uint8Array(32), merkleRoot: txid(coinbase), time: 0, bits: 0x207fffff, nonce: 0 }
    const block = serializeBlock(header, coinbase, [], false)
    expect(toHex(block.subarray(81))).toBe(toHex(coinbase))
    expect(Block.fromBuffer(Buffer.from(block)).checkTxRoots()).toBe(true)
  })

  it('names the template transaction that is not hex', () => {
    const header = decodeHeader(fromHex(GENESIS_HEADER))
    expect(() => serializeBlock(header, fromHex(GENESIS_COINBASE), ['00', 'zz'], false)).toThrow(/transaction 2 of the template is not valid hex/)
  })

  it('the transaction count is a varint past 252 transactions', () => {
    const header = decodeHeader(fromHex(GENESIS_HEADER))
    const txs = Array.from({ length: 300 }, () => 'ab')
    const block = serializeBlock(header, fromHex(GENESIS_COINBASE), txs, false)
    expect(toHex(block.subarray(80, 83))).toBe('fd2d01')
  })
})
