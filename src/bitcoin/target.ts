/**
 * Proof-of-work arithmetic, all in BigInt: compact "bits" <-> 256-bit target <-> difficulty <-> work.
 * Floats appear only at the edges where people read difficulty; comparisons are always on targets.
 */

/** Difficulty 1 target: 0xFFFF x 2^208 (the "bdiff" convention every stratum miner uses). */
export const DIFF1_TARGET = 0xffffn << 208n
export const MAX_TARGET = (1n << 256n) - 1n

/**
 * Expands compact bits into a target, as Bitcoin Core's SetCompact. Negative or overflowing
 * encodings are refused. As in Core, the sign bit only counts when mantissa bits survive the shift
 * (0x01803456 is zero, not negative).
 */
export function bitsToTarget(bits: number): bigint {
  if (!Number.isInteger(bits) || bits < 0 || bits > 0xffffffff) throw new RangeError(`compact bits must be a u32, got ${bits}`)
  const exponent = bits >>> 24
  const word = exponent <= 3 ? (bits & 0x007fffff) >>> (8 * (3 - exponent)) : bits & 0x007fffff
  if (word !== 0 && (bits & 0x00800000) !== 0) throw new Error(`negative compact target: 0x${bits.toString(16)}`)
  const target = exponent <= 3 ? BigInt(word) : BigInt(word) << BigInt(8 * (exponent - 3))
  if (target > MAX_TARGET) throw new Error(`compact target overflows 256 bits: 0x${bits.toString(16)}`)
  return target
}

/** Compresses a target into compact bits, as Bitcoin Core's GetCompact (rounds down). */
export function targetToBits(target: bigint): number {
  if (target < 0n) throw new RangeError('target must not be negative')
  if (target > MAX_TARGET) throw new RangeError('target exceeds 256 bits')
  // Size in bytes of the target; zero has none, so it encodes as 0 (as Core).
  let size = target === 0n ? 0 : (target.toString(16).length + 1) >> 1
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
  // Four 64-bit reads: about 6x faster than building a hex string, and this runs on every share.
  const view = new DataView(hash.buffer, hash.byteOffset, 32)
  return (view.getBigUint64(24, true) << 192n) | (view.getBigUint64(16, true) << 128n) | (view.getBigUint64(8, true) << 64n) | view.getBigUint64(0, true)
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
  const scaledFloat = Math.round(difficulty * Number(DIFF_SCALE))
  // Past ~1.8e296 the product is Infinity, which BigInt cannot take; no such target exists anyway.
  if (!Number.isFinite(scaledFloat)) throw new RangeError(`difficulty too large: ${difficulty}`)
  const scaled = BigInt(scaledFloat)
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
