import { varintSize } from '../bitcoin/bytes.js'
import { bip34HeightScript, pushData } from '../bitcoin/script.js'
import type { CoopParams } from '../../protocol/params.js'
import type { Share } from '../../protocol/share.js'

/**
 * Coinbase classes (SPEC.md §7.6): class 0 is the full coinbase (maxOutputs bounds it); class i >= 1
 * is a byte budget, coinbaseClasses[i - 1], for the whole non-witness coinbase transaction, for
 * firmware that cannot take more. This file turns a class and a coinbase's own fields into the
 * bytes its payout outputs may take; payouts.ts (finishClassSplit) fills them.
 */
export const FULL_CLASS = 0

/** What a byte class leaves for the payout outputs of one coinbase. */
export interface ClassLimit {
  /** Bytes for the payout outputs plus the output-count varint. */
  payoutBytes: number
  /** Outputs other than the payouts (share commitment, witness commitment): they count in the varint. */
  otherOutputs: number
}

/** The coinbase fields, besides the payouts, that decide its size. */
export interface CoinbaseShape {
  blockHeight: number
  extranonceSize: number
  tag: Uint8Array
  hasWitnessCommitment: boolean
}

/** version 4 + input count 1 + prevout 36 + sequence 4 + lock time 4. */
const FIXED_BYTES = 4 + 1 + 36 + 4 + 4
/** value 8 + length 1 + OP_RETURN PUSH36(aa21a9ed || hash) 38. */
const WITNESS_COMMITMENT_OUTPUT = 8 + 1 + 38
/** value 8 + length 1 + OP_RETURN PUSH32(commitment) 34. */
const SHARE_COMMITMENT_OUTPUT = 8 + 1 + 34

/** True when `coinbaseClass` names a class of these parameters. */
export function isKnownClass(params: CoopParams, coinbaseClass: number): boolean {
  return Number.isInteger(coinbaseClass) && coinbaseClass >= 0 && coinbaseClass <= params.coinbaseClasses.length
}

/** The byte budget of a class, or null for the full class. Throws for an unknown class. */
export function classBytes(params: CoopParams, coinbaseClass: number): number | null {
  if (!isKnownClass(params, coinbaseClass)) throw new RangeError(`unknown coinbase class ${coinbaseClass} (this cooperative has 0-${params.coinbaseClasses.length})`)
  return coinbaseClass === FULL_CLASS ? null : (params.coinbaseClasses[coinbaseClass - 1] as number)
}

/** The class limit for a coinbase of this shape, or null for the full class. */
export function classLimit(params: CoopParams, coinbaseClass: number, shape: CoinbaseShape): ClassLimit | null {
  const budget = classBytes(params, coinbaseClass)
  if (budget === null) return null
  const tag = shape.tag.length > 0 ? pushData(shape.tag).length : 0
  const scriptSig = bip34HeightScript(shape.blockHeight).length + 1 + shape.extranonceSize + tag
  const witness = shape.hasWitnessCommitment ? WITNESS_COMMITMENT_OUTPUT : 0
  const rest = FIXED_BYTES + varintSize(scriptSig) + scriptSig + witness + SHARE_COMMITMENT_OUTPUT
  return { payoutBytes: budget - rest, otherOutputs: shape.hasWitnessCommitment ? 2 : 1 }
}

/** The limit a share's own fields and class give (null: the full class). */
export function shareClassLimit(params: CoopParams, share: Share): ClassLimit | null {
  return classLimit(params, share.coinbaseClass, {
    blockHeight: share.blockHeight,
    extranonceSize: share.extranonce.length,
    tag: share.tag,
    hasWitnessCommitment: share.witnessCommitment !== null
  })
}

/**
 * The class for a miner whose firmware takes at most `maxBytes` of coinbase (null: no limit): the
 * largest byte class within it, the smallest class when none is, the full class for no limit.
 */
export function classForBytes(params: CoopParams, maxBytes: number | null): number {
  if (maxBytes === null) return FULL_CLASS
  const classes = params.coinbaseClasses
  if (classes.length === 0) return FULL_CLASS
  let chosen = 1
  classes.forEach((bytes, i) => {
    if (bytes <= maxBytes) chosen = i + 1
  })
  return chosen
}

/** A class's name for people: "full" or "750 B". */
export function className(params: CoopParams, coinbaseClass: number): string {
  const bytes = isKnownClass(params, coinbaseClass) ? classBytes(params, coinbaseClass) : undefined
  return bytes === undefined ? `unknown class ${coinbaseClass}` : bytes === null ? 'full' : `${bytes} B`
}
