/**
 * Difficulty arithmetic for sessions. Difficulties are floats where people read them; every
 * accept/reject decision compares BigInt targets (bitcoin/target.ts).
 */
import { difficultyToTarget, targetToDifficulty } from '../bitcoin/target.js'

export { difficultyToTarget, targetToDifficulty }

export function clampDifficulty(d: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, d))
}

/**
 * The power of two nearest to d (in log scale), fractional ones included. Math.log2, not 32-bit bit
 * operators: public-pool's `1 << n` helper turns 3e9 into 2.68.
 */
export function nearestPowerOfTwo(d: number): number {
  if (!Number.isFinite(d) || d <= 0) throw new RangeError(`difficulty must be a positive finite number, got ${d}`)
  return 2 ** Math.round(Math.log2(d))
}

/** A difficulty with its target, computed once. */
export interface Difficulty {
  readonly value: number
  readonly target: bigint
}

// Sessions share a few values (powers of two, the share difficulty), and a fan-out to 10 000
// sessions would otherwise do a BigInt division for each; a small memo is enough.
const memo = new Map<number, Difficulty>()
const MEMO_LIMIT = 4096

export function difficulty(value: number): Difficulty {
  let d = memo.get(value)
  if (d === undefined) {
    if (memo.size >= MEMO_LIMIT) memo.clear()
    d = Object.freeze({ value, target: difficultyToTarget(value) })
    memo.set(value, d)
  }
  return d
}
