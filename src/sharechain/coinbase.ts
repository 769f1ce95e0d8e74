import { assembleCoinbase, buildCoinbaseParts, txid, type CoinbaseParts, type TxOutput } from '../bitcoin/coinbase.js'
import { foldMerkleBranch, witnessCommitmentScript } from '../bitcoin/merkle.js'
import type { Share } from '../../protocol/share.js'
import { shareCommitment, type ShareInfo } from './commitment.js'

/**
 * The one coinbase construction used both to make jobs (work/) and to check shares (validate.ts):
 * a share is valid only if this function, fed the share's fields and the payouts the chain
 * dictates, rebuilds the coinbase that the header's merkle root commits to.
 */
export interface ShareCoinbaseInput {
  consensusId: Uint8Array
  info: ShareInfo
  blockHeight: number
  extranonceSize: number
  tag: Uint8Array
  witnessCommitment: Uint8Array | null
  payouts: readonly TxOutput[]
}

export function shareCoinbaseParts(input: ShareCoinbaseInput): CoinbaseParts {
  return buildCoinbaseParts({
    height: input.blockHeight,
    extranonceSize: input.extranonceSize,
    tag: input.tag,
    witnessCommitment: input.witnessCommitment === null ? null : witnessCommitmentScript(input.witnessCommitment),
    payouts: input.payouts,
    commitment: shareCommitment(input.consensusId, input.info)
  })
}

export function infoOf(share: Share): ShareInfo {
  return { height: share.height, parent: share.parent, uncles: share.uncles, shareBits: share.shareBits, payoutScript: share.payoutScript }
}

/** The coinbase parts a share's own fields and the given payouts determine. */
function partsOfShare(consensusId: Uint8Array, share: Share, payouts: readonly TxOutput[]): CoinbaseParts {
  return shareCoinbaseParts({
    consensusId,
    info: infoOf(share),
    blockHeight: share.blockHeight,
    extranonceSize: share.extranonce.length,
    tag: share.tag,
    witnessCommitment: share.witnessCommitment,
    payouts
  })
}

/** The full non-witness coinbase of a share (for building the block and for audits). */
export function shareCoinbase(consensusId: Uint8Array, share: Share, payouts: readonly TxOutput[]): Uint8Array {
  return assembleCoinbase(partsOfShare(consensusId, share, payouts), share.extranonce)
}

/** The merkle root a share's header must carry, given the payouts the chain dictates at its parent. */
export function expectedMerkleRoot(consensusId: Uint8Array, share: Share, payouts: readonly TxOutput[]): Uint8Array {
  return foldMerkleBranch(txid(shareCoinbase(consensusId, share, payouts)), share.merkleBranch)
}
