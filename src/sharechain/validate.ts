import { equalBytes, toHex } from '../bitcoin/bytes.js'
import { headerHash, decodeHeader } from '../bitcoin/header.js'
import { bitsToTarget, hashToBigInt, targetToBits } from '../bitcoin/target.js'
import { NETWORKS } from '../bitcoin/networks.js'
import { scriptType } from '../bitcoin/address.js'
import { compareBytes } from '../bitcoin/bytes.js'
import { SHARE_VERSION, type Share } from '../../protocol/share.js'
import type { ShareChain, ShareRecord } from './chain.js'
import { expectedMerkleRoot } from './coinbase.js'
import { isZeroId } from './commitment.js'
import type { PayoutSplit } from './payouts.js'
import { isKnownClass, shareClassLimit } from './classes.js'

/**
 * Share validation (SPEC.md §6), in two stages:
 *  1. context-free and cheap, run on anything a peer sends before it touches the window;
 *  2. with the parent: height, retarget, time, uncles, then the coinbase rebuilt from the payout
 *     split at the parent must fold up to the header's merkle root.
 * Each failure carries a stable reason code (what auditors and logs show) and a detail.
 */

export type RejectReason =
  | 'bad-version'
  | 'high-hash'
  | 'target-above-max'
  | 'noncanonical-bits'
  | 'bad-first-share'
  | 'too-many-uncles'
  | 'uncles-not-sorted'
  | 'nonstandard-payout-script'
  | 'bad-extranonce'
  | 'bad-coinbase-value'
  | 'bad-coinbase-class'
  | 'duplicate'
  | 'unknown-parent'
  | 'bad-height'
  | 'bad-share-target'
  | 'time-too-old'
  | 'unknown-uncle'
  | 'bad-uncle'
  | 'bad-coinbase'
  | 'bad-merkle-root'
  /** An unexpected error in a validation step (a bug; deterministic, so recorded, never thrown). */
  | 'internal-error'

export class ShareRejected extends Error {
  override name = 'ShareRejected'
  constructor(
    readonly reason: RejectReason,
    readonly detail: string
  ) {
    super(`${reason}: ${detail}`)
  }
}

export interface Stage1Result {
  id: Uint8Array
  target: bigint
  isBlock: boolean
}

/** Stage 1: everything that can be checked from the share's own bytes and the parameters. */
export function checkStage1(chain: ShareChain, share: Share): Stage1Result {
  const p = chain.params
  if (share.version !== SHARE_VERSION) throw new ShareRejected('bad-version', `share version ${share.version}, expected ${SHARE_VERSION}`)

  let target: bigint
  try {
    target = bitsToTarget(share.shareBits)
  } catch (err) {
    throw new ShareRejected('noncanonical-bits', (err as Error).message)
  }
  if (target === 0n || targetToBits(target) !== share.shareBits) throw new ShareRejected('noncanonical-bits', `share bits ${hex32(share.shareBits)} are not a canonical compact target`)
  if (target > bitsToTarget(p.maxShareBits)) throw new ShareRejected('target-above-max', `share target ${hex32(share.shareBits)} is easier than the cooperative maximum ${hex32(p.maxShareBits)}`)

  const id = headerHash(share.header)
  if (hashToBigInt(id) > target) throw new ShareRejected('high-hash', `hash ${toHex(id.slice().reverse())} does not meet the declared share target`)

  if ((share.height === 0) !== isZeroId(share.parent)) throw new ShareRejected('bad-first-share', 'the parent is 32 zero bytes exactly when the height is 0')
  if (share.uncles.length > p.maxUncles) throw new ShareRejected('too-many-uncles', `${share.uncles.length} uncles, at most ${p.maxUncles}`)
  for (let i = 1; i < share.uncles.length; i++) {
    if (compareBytes(share.uncles[i - 1] as Uint8Array, share.uncles[i] as Uint8Array) >= 0) throw new ShareRejected('uncles-not-sorted', 'uncle ids must be strictly ascending (no duplicates)')
  }
  if (share.uncles.some((u) => equalBytes(u, share.parent))) throw new ShareRejected('bad-uncle', 'the parent cannot also be an uncle')
  try {
    scriptType(share.payoutScript)
  } catch (err) {
    throw new ShareRejected('nonstandard-payout-script', (err as Error).message)
  }
  if (share.extranonce.length < 1) throw new ShareRejected('bad-extranonce', 'the extranonce must not be empty')
  if (share.coinbaseValue < 1) throw new ShareRejected('bad-coinbase-value', 'the coinbase must pay something')
  if (!isKnownClass(p, share.coinbaseClass)) throw new ShareRejected('bad-coinbase-class', `coinbase class ${share.coinbaseClass}, this cooperative has classes 0-${p.coinbaseClasses.length}`)

  return { id, target, isBlock: meetsOwnBitcoinTarget(chain, share.header, id) }
}

/** A header meeting its own bits, where the bits are within the network's proof-of-work limit. */
function meetsOwnBitcoinTarget(chain: ShareChain, header: Uint8Array, id: Uint8Array): boolean {
  const bits = decodeHeader(header).bits
  let blockTarget: bigint
  try {
    blockTarget = bitsToTarget(bits)
  } catch {
    return false
  }
  if (blockTarget > bitsToTarget(NETWORKS[chain.params.network].powLimitBits)) return false
  return hashToBigInt(id) <= blockTarget
}

/**
 * Stage 2: the rules that need the parent and uncles. `isKnown` says whether an id is already in
 * the caller's chain (the Autobase view for the node; the index itself for the auditor).
 */
export interface Validated {
  record: ShareRecord
  /** The payout split at the parent that the share's coinbase pays. */
  split: PayoutSplit
}

export function checkStage2(chain: ShareChain, share: Share, s1: Stage1Result, isKnown: (idHex: string) => boolean): Validated {
  const idHex = toHex(s1.id)
  if (isKnown(idHex)) throw new ShareRejected('duplicate', `share ${idHex} is already in the chain`)

  let parent: ShareRecord | undefined
  if (share.height > 0) {
    const parentHex = toHex(share.parent)
    parent = chain.get(parentHex)
    if (parent === undefined || !isKnown(parentHex)) throw new ShareRejected('unknown-parent', `parent ${parentHex} is not in the chain`)
    if (share.height !== parent.height + 1) throw new ShareRejected('bad-height', `height ${share.height}, parent is at ${parent.height}`)
  }

  const expectedBits = chain.expectedBits(parent)
  if (share.shareBits !== expectedBits) throw new ShareRejected('bad-share-target', `declared share bits ${hex32(share.shareBits)}, the retarget rule gives ${hex32(expectedBits)}`)

  const time = decodeHeader(share.header).time
  const mtp = chain.medianTimePast(parent)
  if (time <= mtp) throw new ShareRejected('time-too-old', `time ${time} is not after the median time past ${mtp} (of the last 11 chain times)`)

  checkUncles(chain, share, parent, isKnown)

  let root: Uint8Array
  let split: PayoutSplit
  try {
    split = chain.payoutSplit(parent, share.payoutScript, BigInt(share.coinbaseValue), shareClassLimit(chain.params, share))
    root = expectedMerkleRoot(chain.consensusId, share, split.outputs)
  } catch (err) {
    throw new ShareRejected('bad-coinbase', (err as Error).message)
  }
  if (!equalBytes(root, decodeHeader(share.header).merkleRoot)) {
    throw new ShareRejected('bad-merkle-root', 'the coinbase rebuilt from the payout split at the parent does not match the header (wrong payouts, commitment, coinbase fields or merkle branch)')
  }
  return { record: chain.makeRecord(share, s1.id, s1.target, s1.isBlock, mtp), split }
}

/**
 * Uncle rules (SPEC.md §6.3): known and valid; 1..uncleDepth heights below the includer; its parent
 * on the includer's branch (a sibling of an ancestor); not itself an ancestor; not credited before
 * by an ancestor.
 */
function checkUncles(chain: ShareChain, share: Share, parent: ShareRecord | undefined, isKnown: (idHex: string) => boolean): void {
  for (const uncleId of share.uncles) {
    const uHex = toHex(uncleId)
    const uncle = chain.get(uHex)
    if (uncle === undefined || !isKnown(uHex)) throw new ShareRejected('unknown-uncle', `uncle ${uHex} is not in the chain`)
    if (parent === undefined) throw new ShareRejected('bad-uncle', 'the first share cannot have uncles')
    const lag = share.height - uncle.height
    if (lag < 1 || lag > chain.params.uncleDepth) throw new ShareRejected('bad-uncle', `uncle ${uHex} is ${lag} heights below, allowed 1-${chain.params.uncleDepth}`)
    const onBranch = chain.ancestorAt(parent, uncle.height)
    if (onBranch !== undefined && onBranch.idHex === uHex) throw new ShareRejected('bad-uncle', `uncle ${uHex} is an ancestor`)
    const uncleParent = uncle.parentHex
    const branchParent = uncle.height === 0 ? null : (chain.ancestorAt(parent, uncle.height - 1)?.idHex ?? '')
    if (uncleParent !== branchParent) throw new ShareRejected('bad-uncle', `uncle ${uHex} does not fork from this share's branch`)
    for (const a of chain.ancestry(parent, share.height - uncle.height - 1)) {
      if (a.uncleHexes.includes(uHex)) throw new ShareRejected('bad-uncle', `uncle ${uHex} was already credited by ${a.idHex}`)
    }
  }
}

/** Both stages; returns the record or throws ShareRejected. */
export function validateShare(chain: ShareChain, share: Share, isKnown: (idHex: string) => boolean): Validated {
  return checkStage2(chain, share, checkStage1(chain, share), isKnown)
}

function hex32(n: number): string {
  return '0x' + (n >>> 0).toString(16).padStart(8, '0')
}
