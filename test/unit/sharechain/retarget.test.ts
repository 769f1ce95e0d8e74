import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { bitsToTarget, targetToWork } from '../../../src/bitcoin/target.js'
import { nextShareTarget, scaleByPowerOfTwo } from '../../../src/sharechain/retarget.js'
import { testParams } from '../../harness/sharechain.js'
import { targetToBits } from '../../../src/bitcoin/target.js'

const params = testParams({ shareInterval: 10, halfLife: 600, maxShareBits: 0x207fffff, initialShareBits: targetToBits(1n << 230n) })

/** A seeded PRNG (mulberry32) for exponential solve times. */
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('per-share ASERT retarget', () => {
  it('is exact at powers of two and monotone in the solve time', () => {
    const t = 1n << 200n
    expect(scaleByPowerOfTwo(t, 0n)).toBe(t)
    expect(scaleByPowerOfTwo(t, 65536n)).toBe(t * 2n)
    expect(scaleByPowerOfTwo(t, -65536n)).toBe(t / 2n)
    fc.assert(
      fc.property(fc.integer({ min: -100_000, max: 100_000 }), fc.integer({ min: 1, max: 1000 }), (solve, delta) => {
        expect(nextShareTarget(params, t, solve + delta) >= nextShareTarget(params, t, solve)).toBe(true)
      }),
      { seed: 3, numRuns: 200 }
    )
  })

  it('keeps the target when shares come exactly on interval; doubles after one half-life late', () => {
    const t = bitsToTarget(params.initialShareBits)
    expect(nextShareTarget(params, t, params.shareInterval)).toBe(t)
    const slow = { ...params, maxTimeStep: params.shareInterval + params.halfLife }
    const doubled = nextShareTarget(slow, t, params.shareInterval + params.halfLife)
    expect(Number(doubled) / Number(t)).toBeCloseTo(2, 4)
  })

  it('clamps to [1, maxShareTarget] even for absurd solve times', () => {
    const t = bitsToTarget(params.initialShareBits)
    expect(nextShareTarget(params, t, 2 ** 32)).toBe(bitsToTarget(params.maxShareBits))
    expect(nextShareTarget(params, t, -(2 ** 32))).toBe(1n)
  })

  it('a chain of 10,000 shares follows a hashrate that jumps 10x up and down', () => {
    const random = rng(2026)
    let target = bitsToTarget(params.initialShareBits)
    // hashrate in hashes/s chosen so the initial target is on interval
    const base = Number(targetToWork(target)) / params.shareInterval
    const phases = [1, 10, 1, 0.1, 1]
    const meanSolve: number[] = []
    for (const factor of phases) {
      const hashrate = base * factor
      const solves: number[] = []
      for (let i = 0; i < 2000; i++) {
        const expected = Number(targetToWork(target)) / hashrate
        const solve = Math.max(1, Math.round(-Math.log(1 - random()) * expected))
        solves.push(solve)
        target = nextShareTarget(params, target, solve)
      }
      // the second half of each phase, after the half-life has done its work
      const tail = solves.slice(1000)
      meanSolve.push(tail.reduce((a, b) => a + b, 0) / tail.length)
    }
    for (const m of meanSolve) {
      expect(m).toBeGreaterThan(params.shareInterval * 0.8)
      expect(m).toBeLessThan(params.shareInterval * 1.25)
    }
  })
})
