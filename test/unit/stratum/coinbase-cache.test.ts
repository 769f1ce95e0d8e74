import { describe, expect, it } from 'vitest'
import { CoinbaseCache } from '../../../src/stratum/coinbase-cache.js'
import type { CoinbaseHalves } from '../../../src/stratum/types.js'

const halves = (size: number): CoinbaseHalves => ({ coinb1: new Uint8Array(size), coinb2: new Uint8Array(size) })

describe('CoinbaseCache', () => {
  it('stays within its byte budget however many entries go in', () => {
    const cache = new CoinbaseCache(100_000)
    for (let i = 0; i < 5000; i++) {
      cache.set(`k${i}`, halves(500))
      expect(cache.sizeBytes).toBeLessThanOrEqual(100_000)
    }
    expect(cache.size).toBeGreaterThan(0)
  })

  it('lets the least recently used go first', () => {
    const cache = new CoinbaseCache(10_000)
    const kept = halves(500)
    cache.set('kept', kept)
    for (let i = 0; i < 200; i++) {
      cache.set(`k${i}`, halves(500))
      expect(cache.get('kept')).toBe(kept) // read back: the most recently used each time
    }
    expect(cache.get('k0')).toBeUndefined()
    expect(cache.get('k199')).toBeDefined()
  })

  it('replaces an entry under the same key without counting it twice', () => {
    const cache = new CoinbaseCache(10_000)
    cache.set('a', halves(100))
    const once = cache.sizeBytes
    cache.set('a', halves(100))
    expect(cache.sizeBytes).toBe(once)
    expect(cache.size).toBe(1)
  })

  it('keeps nothing larger than the whole budget', () => {
    const cache = new CoinbaseCache(1000)
    cache.set('big', halves(1000))
    expect(cache.get('big')).toBeUndefined()
    expect(cache.sizeBytes).toBe(0)
  })
})
