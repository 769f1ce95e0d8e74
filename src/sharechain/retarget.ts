import { bitsToTarget, targetToBits } from '../bitcoin/target.js'
import type { CoopParams } from '../../protocol/params.js'

/**
 * Per-share ASERT (SPEC.md §5): each share's target is its parent's target scaled by
 * 2^((parentSolvetime - shareInterval) / halfLife), in integer arithmetic only, clamped to
 * [1, maxShareTarget] and rounded to compact form. Relative (not anchored at genesis) so that a
 * cooperative that stops mining overnight does not owe the schedule thousands of cheap shares.
 * Solve times are chain-time differences (SPEC.md §5.1), so they add up exactly to the chain time
 * that passed, and the chain time cannot run more than maxTimeStep per share ahead of its anchor.
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

/**
 * The target a child of `parent` must declare. `parentSolvetime` = parent's chain time minus its
 * own parent's (minus `createdAt` for the first share); it may be negative. It is not clamped:
 * chain times already bound it (SPEC.md §5.1), and a clamp would let the solve times the retarget
 * reads add up to something other than the chain time that passed, which a timestamp attacker can
 * bias (SPEC.md §5.3).
 */
export function nextShareTarget(params: CoopParams, parentTarget: bigint, parentSolvetime: number): bigint {
  const exponent = floorDiv(BigInt(parentSolvetime - params.shareInterval) * RADIX, BigInt(params.halfLife))
  const maxTarget = bitsToTarget(params.maxShareBits)
  let next = scaleByPowerOfTwo(parentTarget, exponent)
  if (next > maxTarget) next = maxTarget
  if (next < 1n) next = 1n
  return bitsToTarget(targetToBits(next))
}

export function nextShareBits(params: CoopParams, parentTarget: bigint, parentSolvetime: number): number {
  return targetToBits(nextShareTarget(params, parentTarget, parentSolvetime))
}
