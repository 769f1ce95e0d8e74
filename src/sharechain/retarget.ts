import { bitsToTarget, targetToBits } from '../bitcoin/target.js'
import type { CoopParams } from '../../protocol/params.js'

/**
 * Per-share ASERT (SPEC.md §5): each share's target is its parent's target scaled by
 * 2^((parentSolvetime - shareInterval) / halfLife), in integer arithmetic only, clamped to
 * [1, maxShareTarget] and rounded to compact form. Relative (not anchored at genesis) so that a
 * cooperative that stops mining overnight does not owe the schedule thousands of cheap shares.
 * The solve time is clamped to [0, maxTimeStep], so no timestamp can move one share's target by
 * more than 2^(-shareInterval/halfLife) (harder) or 2^((maxTimeStep - shareInterval)/halfLife) (easier).
 */

const RADIX_BITS = 16n
const RADIX = 1n << RADIX_BITS

/** 2^(exponent / 65536) x target, with BCH's aserti3-2d cubic approximation of the fraction. */
export function scaleByPowerOfTwo(target: bigint, exponent: bigint): bigint {
  const shifts = exponent >> RADIX_BITS // floor for negatives too (BigInt >> is arithmetic)
  const frac = exponent - (shifts << RADIX_BITS)
  const factor = RADIX + ((195766423245049n * frac + 971821376n * frac * frac + 5127n * frac * frac * frac + (1n << 47n)) >> 48n)
  let next = target * factor
  if (shifts > 300n) return 1n << 300n // beyond any 256-bit target; the caller clamps
  if (shifts < -300n) return 0n
  next = shifts < 0n ? next >> -shifts : next << shifts
  return next >> RADIX_BITS
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q
}

/** The solve time the retarget reads: clamped to [0, maxTimeStep] (SPEC.md §5.2). */
export function clampSolvetime(params: CoopParams, solvetime: number): number {
  return Math.min(Math.max(solvetime, 0), params.maxTimeStep)
}

/**
 * The target a child of `parent` must declare. `parentSolvetime` = parent's chain time minus its
 * own parent's (minus `createdAt` for the first share); it may be negative, and is clamped here.
 */
export function nextShareTarget(params: CoopParams, parentTarget: bigint, parentSolvetime: number): bigint {
  const solvetime = clampSolvetime(params, parentSolvetime)
  const exponent = floorDiv(BigInt(solvetime - params.shareInterval) * RADIX, BigInt(params.halfLife))
  const maxTarget = bitsToTarget(params.maxShareBits)
  let next = scaleByPowerOfTwo(parentTarget, exponent)
  if (next > maxTarget) next = maxTarget
  if (next < 1n) next = 1n
  return bitsToTarget(targetToBits(next))
}

export function nextShareBits(params: CoopParams, parentTarget: bigint, parentSolvetime: number): number {
  return targetToBits(nextShareTarget(params, parentTarget, parentSolvetime))
}
