import { assembleCoinbase, txid, type CoinbaseParts } from '../bitcoin/coinbase.js'
import { encodeHeader, type BlockHeader } from '../bitcoin/header.js'
import { foldMerkleBranch } from '../bitcoin/merkle.js'
import { SHARE_VERSION, type Share } from '../../protocol/share.js'
import { shareCoinbaseParts } from './coinbase.js'
import type { WorkBase } from './state.js'
import { classLimit, FULL_CLASS, type ClassLimit } from './classes.js'

/**
 * Turning a work base (the chain's side of a job) plus a template's Bitcoin fields into coinbase
 * parts, and a solved header back into a Share. The work layer, the tests and the simulator all
 * make shares through these two functions.
 */
export interface BlockFields {
  blockHeight: number
  coinbaseValue: bigint
  /** BIP141 commitment hash (32 bytes) or null. */
  witnessCommitment: Uint8Array | null
  merkleBranch: Uint8Array[]
  tag: Uint8Array
}

export interface ShareJob {
  base: WorkBase
  block: BlockFields
  payoutScript: Uint8Array
  /** The coinbase class the parts were built for (SPEC.md §7.6; 0: full). */
  coinbaseClass: number
  parts: CoinbaseParts
}

/** The byte limit of a class for a job's coinbase (null: the full class). */
export function jobClassLimit(base: WorkBase, block: BlockFields, extranonceSize: number, coinbaseClass: number): ClassLimit | null {
  if (coinbaseClass === FULL_CLASS) return null // needs no parameters (tests build bases by hand)
  return classLimit(base.chain.params, coinbaseClass, { blockHeight: block.blockHeight, extranonceSize, tag: block.tag, hasWitnessCommitment: block.witnessCommitment !== null })
}

export function makeShareJob(base: WorkBase, block: BlockFields, payoutScript: Uint8Array, extranonceSize: number, coinbaseClass = FULL_CLASS): ShareJob {
  const split = base.payouts(payoutScript, block.coinbaseValue, jobClassLimit(base, block, extranonceSize, coinbaseClass))
  const parts = shareCoinbaseParts({
    consensusId: base.chain.consensusId,
    info: { height: base.height, parent: base.parentId, uncles: base.uncles, shareBits: base.shareBits, payoutScript },
    blockHeight: block.blockHeight,
    extranonceSize,
    tag: block.tag,
    witnessCommitment: block.witnessCommitment,
    payouts: split.outputs
  })
  return { base, block, payoutScript, coinbaseClass, parts }
}

/** The merkle root a header for this job and extranonce must carry. */
export function jobMerkleRoot(job: ShareJob, extranonce: Uint8Array): Uint8Array {
  return foldMerkleBranch(txid(assembleCoinbase(job.parts, extranonce)), job.block.merkleBranch)
}

export function shareFromSolution(job: ShareJob, extranonce: Uint8Array, header: BlockHeader | Uint8Array): Share {
  return {
    version: SHARE_VERSION,
    header: header instanceof Uint8Array ? header : encodeHeader(header),
    height: job.base.height,
    parent: job.base.parentId,
    uncles: job.base.uncles,
    shareBits: job.base.shareBits,
    payoutScript: job.payoutScript,
    blockHeight: job.block.blockHeight,
    extranonce,
    tag: job.block.tag,
    coinbaseValue: Number(job.block.coinbaseValue),
    witnessCommitment: job.block.witnessCommitment,
    merkleBranch: job.block.merkleBranch,
    coinbaseClass: job.coinbaseClass
  }
}
