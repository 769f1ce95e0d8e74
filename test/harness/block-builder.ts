/**
 * Builds a full block from a normalized template with the src/bitcoin primitives, the way the work
 * layer will: coinbase parts, extranonce, merkle branch, header, nonce. For tests only.
 */
import { assembleCoinbase, buildCoinbaseParts, txid, type TxOutput } from '../../src/bitcoin/coinbase.js'
import { serializeBlock } from '../../src/bitcoin/block.js'
import { hashToHex } from '../../src/bitcoin/hash.js'
import { headerHash, type BlockHeader } from '../../src/bitcoin/header.js'
import { coinbaseMerkleBranch, foldMerkleBranch, merkleRoot } from '../../src/bitcoin/merkle.js'
import { equalBytes } from '../../src/bitcoin/bytes.js'
import type { BlockTemplate } from '../../src/bitcoin/template.js'
import { grindNonce } from './regtest.js'

export interface BuiltBlock {
  header: BlockHeader
  /** block hash, display hex */
  hash: string
  /** serialized block for submitblock */
  block: Uint8Array
  /** non-witness coinbase */
  coinbase: Uint8Array
}

export interface BuildOptions {
  payouts: readonly TxOutput[]
  /** The 32-byte commitment the coinbase carries (the share-chain's; any bytes here). */
  commitment?: Uint8Array
  extranonce?: Uint8Array
  /** Corrupts the merkle root after building (the nonce is ground afterwards, so PoW stays valid). */
  corruptMerkleRoot?: boolean
}

export const TEST_COMMITMENT = Uint8Array.from({ length: 32 }, (_, i) => 0xc0 ^ i)

export function buildBlock(template: BlockTemplate, options: BuildOptions): BuiltBlock {
  const extranonce = options.extranonce ?? Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8)
  const parts = buildCoinbaseParts({
    height: template.height,
    extranonceSize: extranonce.length,
    tag: new TextEncoder().encode('/hashcoop-test/'),
    witnessCommitment: template.witnessCommitment,
    payouts: options.payouts,
    commitment: options.commitment ?? TEST_COMMITMENT
  })
  const coinbase = assembleCoinbase(parts, extranonce)
  const txids = template.transactions.map((tx) => tx.txid)
  let root = foldMerkleBranch(txid(coinbase), coinbaseMerkleBranch(txids))
  // The branch is what stratum miners get; the full tree is the reference it must agree with.
  if (!equalBytes(root, merkleRoot([txid(coinbase), ...txids]))) throw new Error('merkle branch disagrees with the merkle tree')
  if (options.corruptMerkleRoot === true) root = Uint8Array.from(root, (b, i) => (i === 0 ? b ^ 1 : b))
  const header = grindNonce({
    version: template.version,
    prevHash: template.prevHash,
    merkleRoot: root,
    time: Math.max(template.curtime, template.mintime),
    bits: template.bits,
    nonce: 0
  })
  const block = serializeBlock(
    header,
    coinbase,
    template.transactions.map((tx) => tx.data),
    template.witnessCommitment !== null
  )
  return { header, hash: hashToHex(headerHash(header)), block, coinbase }
}

/** Splits `total` over `scripts`: equal shares, the remainder to the first. */
export function splitValue(total: bigint, scripts: readonly Uint8Array[]): TxOutput[] {
  const share = total / BigInt(scripts.length)
  const remainder = total - share * BigInt(scripts.length)
  return scripts.map((script, i) => ({ script, value: share + (i === 0 ? remainder : 0n) }))
}
