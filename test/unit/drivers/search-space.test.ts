import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { toHex } from '../../../src/bitcoin/bytes.js'
import { encodeExtranonce2, extranonce2Space, sliceForThread, spreadBits, versionRollCount } from '../../../src/drivers/search-space.js'

describe('search space', () => {
  it('gives threads interleaved extranonce2 values when there are enough', () => {
    expect(sliceForThread(0, 3, 4)).toEqual({ extranonce2Start: 0, extranonce2Step: 3, chunkStart: 0, chunkStep: 1 })
    expect(sliceForThread(2, 3, 4)).toEqual({ extranonce2Start: 2, extranonce2Step: 3, chunkStart: 0, chunkStep: 1 })
    expect(sliceForThread(1, 256, 1).extranonce2Step).toBe(256)
  })

  it('splits nonce chunks when extranonce2 values are fewer than threads', () => {
    expect(sliceForThread(1, 2, 0)).toEqual({ extranonce2Start: 0, extranonce2Step: 1, chunkStart: 1, chunkStep: 2 })
  })

  it('refuses impossible thread layouts', () => {
    expect(() => sliceForThread(0, 0, 4)).toThrow(/threads must be 1-256/)
    expect(() => sliceForThread(3, 3, 4)).toThrow(/out of range/)
    expect(() => sliceForThread(0, 1.5, 4)).toThrow(/threads/)
  })

  it('encodes the extranonce2 counter big-endian at its full size', () => {
    expect(toHex(encodeExtranonce2(0, 4))).toBe('00000000')
    expect(toHex(encodeExtranonce2(0x0102, 4))).toBe('00000102')
    expect(toHex(encodeExtranonce2(2 ** 40 + 5, 8))).toBe('0000010000000005')
    expect(encodeExtranonce2(0, 0)).toHaveLength(0)
    expect(extranonce2Space(0)).toBe(1)
    expect(extranonce2Space(2)).toBe(65536)
    expect(extranonce2Space(32)).toBe(Number.MAX_SAFE_INTEGER)
  })

  it('counts and spreads version-rolling bits', () => {
    expect(versionRollCount(0)).toBe(1)
    expect(versionRollCount(0x1fffe000)).toBe(65536)
    expect(versionRollCount(0xffffffff)).toBe(2 ** 32)
    expect(spreadBits(1, 0x1fffe000)).toBe(0x2000)
    expect(spreadBits(0xffff, 0x1fffe000)).toBe(0x1fffe000)
    expect(spreadBits(0b101, 0x80000005)).toBe(0x80000001)
    expect(spreadBits(0xffffffff, 0xffffffff)).toBe(0xffffffff)
  })

  it('maps distinct counters to distinct values inside the mask', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }), (mask, a, b) => {
        const count = versionRollCount(mask)
        const x = a % count
        const y = b % count
        const sx = spreadBits(x, mask)
        expect((sx & ~mask) >>> 0).toBe(0)
        expect(sx === spreadBits(y, mask)).toBe(x === y)
      })
    )
  })
})
