import { describe, expect, it } from 'vitest'
import { DEFAULT_VARDIFF } from '../../../src/stratum/config.js'
import { nearestPowerOfTwo } from '../../../src/stratum/difficulty.js'
import { Vardiff } from '../../../src/stratum/vardiff.js'

const HASHES_PER_DIFF1 = 2 ** 32

/**
 * Feeds shares at the exact pace a miner of `hashrate` would find them (no randomness). The sweep
 * ticks every second between shares, as the server's does; after a change the miner starts afresh
 * at the new difficulty (finding a share is memoryless).
 */
function simulate(v: Vardiff, hashrate: number, seconds: number, start = 0): { now: number; changes: number[] } {
  let now = start
  const changes: number[] = []
  const end = start + seconds * 1000
  while (now < end) {
    const next = now + (v.difficulty * HASHES_PER_DIFF1 * 1000) / hashrate
    let changed = false
    for (let t = now + 1000; t < next && t < end && !changed; t += 1000) {
      const c = v.tick(t)
      if (c !== null) {
        changes.push(c)
        now = t
        changed = true
      }
    }
    if (changed) continue
    if (next >= end) break
    now = next
    const c = v.recordShare(v.difficulty, now)
    if (c !== null) changes.push(c)
  }
  return { now: end, changes }
}

describe('nearestPowerOfTwo', () => {
  it('rounds in log scale, with no 32-bit overflow (public-pool turned 3e9 into 2.68)', () => {
    expect(nearestPowerOfTwo(3e9)).toBe(2 ** 31)
    expect(nearestPowerOfTwo(7e9)).toBe(2 ** 33)
    expect(nearestPowerOfTwo(1e12)).toBe(2 ** 40)
    expect(nearestPowerOfTwo(1000)).toBe(1024)
    expect(nearestPowerOfTwo(0.0003)).toBe(2 ** -12)
    expect(() => nearestPowerOfTwo(0)).toThrow()
  })
})

describe('Vardiff', () => {
  it('leaves a miner that already meets the target rate alone', () => {
    const v = new Vardiff(DEFAULT_VARDIFF, 1024, 1, 2 ** 40, 0)
    const hashrate = (1024 * HASHES_PER_DIFF1) / 10 // exactly one share per 10 s at 1024
    expect(simulate(v, hashrate, 600).changes).toEqual([])
    expect(v.difficulty).toBe(1024)
  })

  it('raises a fast miner after retargetShares shares, to the nearest power of two of the ideal', () => {
    const v = new Vardiff(DEFAULT_VARDIFF, 1, 0.001, 2 ** 40, 0)
    let change: number | null = null
    for (let i = 1; i <= 20; i++) change = v.recordShare(1, i * 100) // 20 shares in 2 s at diff 1
    // ideal = 20 diff / 2000 ms x 10000 ms = 100 -> 128
    expect(change).toBe(128)
    expect(v.difficulty).toBe(128)
  })

  it('lowers a miner that finds nothing in a whole window, never raises on no evidence', () => {
    const v = new Vardiff(DEFAULT_VARDIFF, 1024, 1, 2 ** 40, 0)
    expect(v.tick(29_999)).toBeNull()
    // < 1 share per 30 s at 1024: ideal <= 1024 x 10/30 = 341 -> 256
    expect(v.tick(30_000)).toBe(256)
  })

  it('converges from far below and far above to within the dead band of the ideal, then holds', () => {
    const hashrate = 1e12 // 1 TH/s: the ideal difficulty at one share per 10 s is 2328
    for (const start of [1, 2 ** 30]) {
      const v = new Vardiff(DEFAULT_VARDIFF, start, 0.001, 2 ** 40, 0)
      const { now } = simulate(v, hashrate, 1800)
      expect([2048, 4096]).toContain(v.difficulty) // the powers of two within [0.5, 2] x 2328
      expect(simulate(v, hashrate, 1800, now).changes).toEqual([])
    }
  })

  it('reaches difficulties far above 2^32 for big farms without losing precision', () => {
    const v = new Vardiff(DEFAULT_VARDIFF, 1024, 1, 2 ** 48, 0)
    simulate(v, 5e20, 3600) // ideal = 5e21 / 2^32 = 1.16e12 -> 2^40
    expect(v.difficulty).toBe(2 ** 40)
  })

  it('clamps to its bounds and to a raised minimum', () => {
    const v = new Vardiff(DEFAULT_VARDIFF, 64, 16, 256, 0)
    for (let i = 1; i <= 20; i++) v.recordShare(64, i)
    expect(v.difficulty).toBe(256)
    v.reset(32, 100)
    v.setMinimum(100)
    expect(v.tick(40_000)).toBe(100)
  })

  it('weights shares by the difficulty they counted at', () => {
    const v = new Vardiff({ ...DEFAULT_VARDIFF, retargetShares: 1000 }, 100, 1, 2 ** 40, 0)
    // 3 shares in 30 s: on target by count, but counted at 400 each they are 12 shares' worth.
    v.recordShare(400, 10_000)
    v.recordShare(400, 20_000)
    // judged with one share's margin: (12 - 1) x 10 s / 30 s = 3.67 -> 367 -> 512; unweighted
    // (3 - 1) x 10 / 30 would be inside the dead band
    expect(v.recordShare(400, 30_000)).toBe(512)
  })

  it('does not move on a handful of shares that a correctly set miner can produce by chance', () => {
    const v = new Vardiff(DEFAULT_VARDIFF, 1024, 1, 2 ** 40, 0)
    expect(v.recordShare(1024, 29_000)).toBeNull() // 1 share where 3 were expected
    expect(v.tick(30_000)).toBeNull()
    const w = new Vardiff(DEFAULT_VARDIFF, 1024, 1, 2 ** 40, 0)
    for (let i = 1; i <= 6; i++) w.recordShare(1024, i * 4000) // 6 where 3 were expected
    expect(w.tick(30_000)).toBeNull()
  })

  it('keeps growing a window that stays in the dead band, so evidence adds up', () => {
    const v = new Vardiff({ ...DEFAULT_VARDIFF, retargetShares: 1000 }, 1024, 1, 2 ** 40, 0)
    // One share per 4 s (2.5x the aim): not yet conclusive at 30 s, conclusive at 60 s.
    let change: number | null = null
    let at = 0
    for (let t = 4000; t <= 120_000 && change === null; t += 1000) {
      change = t % 4000 === 0 ? v.recordShare(1024, t) : v.tick(t)
      at = t
    }
    expect(change).toBe(2048)
    expect(at).toBeGreaterThan(30_000)
  })

  it('reset restarts the window: earlier shares do not count towards the next decision', () => {
    const v = new Vardiff(DEFAULT_VARDIFF, 1, 0.001, 2 ** 40, 0)
    for (let i = 1; i <= 19; i++) v.recordShare(1, i)
    v.reset(8, 20)
    expect(v.recordShare(8, 10_020)).toBeNull()
    expect(v.difficulty).toBe(8)
  })
})
