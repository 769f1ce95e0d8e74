/**
 * Proof-of-work arithmetic, all in BigInt: compact "bits" <-> 256-bit target <-> difficulty <-> work.
 * Floats appear only at the edges where people read difficulty; comparisons are always on targets.
 */

/** Difficulty 1 target: 0xFFFF x 2^208 (the "bdiff" convention every stratum miner uses). */
export const DIFF1_TARGET = 0xffffn << 208n
export const MAX_TARGET = (1n << 256n) - 1n

/** Expands compact bits into a target. Negative or overflowing encodings are refused. */
export function bitsToTarget(bits: number): bigint {
  const exponent = bits >>> 24
  const mantissa = bits & 0x007fffff
  if (bits & 0x00800000) {
    if (mantissa !== 0) throw new Error(`negative compact target: 0x${(bits >>> 0).toString(16)}`)
    return 0n
  }
  const target = exponent <= 3 ? BigInt(mantissa) >> BigInt(8 * (3 - exponent)) : BigInt(mantissa) << BigInt(8 * (exponent - 3))
  if (target > MAX_TARGET) throw new Error(`compact target overflows 256 bits: 0x${(bits >>> 0).toString(16)}`)
  return target
}

/** Compresses a target into compact bits, as Bitcoin Core's GetCompact (rounds down). */
export function targetToBits(target: bigint): number {
  if (target < 0n) throw new RangeError('target must not be negative')
  if (target > MAX_TARGET) throw new RangeError('target exceeds 256 bits')
  let size = (target.toString(16).length + 1) >> 1
  let mantissa: number
  if (size <= 3) mantissa = Number(target << BigInt(8 * (3 - size)))
  else mantissa = Number(target >> BigInt(8 * (size - 3)))
  // The mantissa's top bit is a sign bit: shift into the next exponent when it is set.
  if (mantissa & 0x00800000) {
    mantissa >>= 8
    size += 1
  }
  return ((size << 24) | mantissa) >>> 0
}

/** A hash (internal byte order, i.e. little-endian) read as a 256-bit integer. */
export function hashToBigInt(hash: Uint8Array): bigint {
  if (hash.length !== 32) throw new Error('hash must be 32 bytes')
  let hex = ''
  for (let i = 31; i >= 0; i--) hex += (hash[i] as number).toString(16).padStart(2, '0')
  return BigInt('0x' + hex)
}

export function meetsTarget(hash: Uint8Array, target: bigint): boolean {
  return hashToBigInt(hash) <= target
}

/** Expected number of hashes to find a hash at or below target: 2^256 / (target + 1). */
export function targetToWork(target: bigint): bigint {
  if (target < 0n) throw new RangeError('target must not be negative')
  return (1n << 256n) / (target + 1n)
}

const DIFF_SCALE = 1_000_000_000_000n // 12 decimal digits of fractional difficulty

/** Difficulty of a target, as a float for display and vardiff (diff1 / target). */
export function targetToDifficulty(target: bigint): number {
  if (target <= 0n) return Infinity
  const scaled = (DIFF1_TARGET * DIFF_SCALE) / target
  return Number(scaled) / Number(DIFF_SCALE)
}

/** Target for a (possibly fractional) difficulty; difficulty must be finite and > 0. */
export function difficultyToTarget(difficulty: number): bigint {
  if (!Number.isFinite(difficulty) || difficulty <= 0) throw new RangeError(`difficulty must be a positive finite number, got ${difficulty}`)
  const scaled = BigInt(Math.round(difficulty * Number(DIFF_SCALE)))
  if (scaled === 0n) return MAX_TARGET
  const target = (DIFF1_TARGET * DIFF_SCALE) / scaled
  return target > MAX_TARGET ? MAX_TARGET : target
}

/** Difficulty of a concrete hash (diff1 / hash), for share accounting and display. */
export function hashDifficulty(hash: Uint8Array): number {
  return targetToDifficulty(hashToBigInt(hash))
}

export function targetToHex(target: bigint): string {
  return target.toString(16).padStart(64, '0')
}
