import { describe, expect, it } from 'vitest'
import { Counters, HashrateMeter } from '../../../src/stratum/stats.js'

describe('HashrateMeter', () => {
  it('estimates hashes per second from accepted difficulty over its window', () => {
    const m = new HashrateMeter(0)
    for (let s = 1; s <= 1200; s++) m.add(1, s * 1000) // one diff-1 share per second for 20 min
    // The last 10 minutes hold ~600 diff-1 shares: ~2^32 H/s (bucket edges make it approximate).
    const rate = m.hashesPerSecond(1_200_000)
    expect(rate / 2 ** 32).toBeGreaterThan(0.9)
    expect(rate / 2 ** 32).toBeLessThan(1.1)
  })

  it('uses its age while younger than the window, and decays to zero when shares stop', () => {
    const m = new HashrateMeter(0)
    m.add(100, 10_000)
    expect(m.hashesPerSecond(20_000)).toBeCloseTo((100 * 2 ** 32) / 20, -3)
    expect(m.hashesPerSecond(20 * 60_000)).toBe(0)
    expect(m.hashesPerSecond(0)).toBe(0)
  })
})

describe('Counters', () => {
  it('counts outcomes by kind and reason', () => {
    const c = new Counters(0)
    c.accept('pseudo', 2, 5, 1000)
    c.accept('share', 2, 900, 2000)
    c.accept('block', 2, 1e9, 3000)
    c.reject('stale')
    c.reject('stale')
    c.reject('duplicate')
    const s = c.snapshot(4000)
    expect(s).toMatchObject({ accepted: 3, shares: 2, blocks: 1, acceptedDifficulty: 6, bestDifficulty: 1e9, lastShareAt: 3000, rejected: { stale: 2, duplicate: 1 } })
    expect(s.hashrate).toBeCloseTo((6 * 2 ** 32) / 4, -3)
  })
})
