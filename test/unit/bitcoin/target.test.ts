import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { fromHex } from '../../../src/bitcoin/bytes.js'
import { hashFromHex } from '../../../src/bitcoin/hash.js'
import { headerHash } from '../../../src/bitcoin/header.js'
import {
  bitsToTarget,
  difficultyToTarget,
  DIFF1_TARGET,
  hashDifficulty,
  hashToBigInt,
  MAX_TARGET,
  meetsTarget,
  targetToBits,
  targetToDifficulty,
  targetToHex,
  targetToWork
} from '../../../src/bitcoin/target.js'

const BLOCK_100000_HEADER = fromHex(
  '0100000050120119172a610421a6c3011dd330d9df07b63616c2cc1f1cd00200000000006657a9252aacd5c0b2940996ecff952228c3067cc38d4885efb5a4ac4247e9f337221b4d4c86041b0f2b5710'
)

describe('compact bits <-> target: real network values', () => {
  const vectors: [string, number, string][] = [
    ['0x1d00ffff: mainnet/testnet pow limit, difficulty 1', 0x1d00ffff, '00000000ffff0000000000000000000000000000000000000000000000000000'],
    ['0x207fffff: regtest pow limit', 0x207fffff, '7fffff0000000000000000000000000000000000000000000000000000000000'],
    ['0x1e0377ae: signet pow limit', 0x1e0377ae, '00000377ae000000000000000000000000000000000000000000000000000000'],
    ['0x1b0404cb: mainnet 2011', 0x1b0404cb, '00000000000404cb000000000000000000000000000000000000000000000000'],
    ['0x1b04864c: mainnet block 100000', 0x1b04864c, '000000000004864c000000000000000000000000000000000000000000000000'],
    ['0x170331db: mainnet 2024', 0x170331db, '0000000000000000000331db0000000000000000000000000000000000000000']
  ]

  it.each(vectors)('%s', (_name, bits, targetHex) => {
    const target = bitsToTarget(bits)
    expect(targetToHex(target)).toBe(targetHex)
    expect(targetToBits(target)).toBe(bits)
  })

  it('DIFF1_TARGET is the expansion of 0x1d00ffff', () => {
    expect(bitsToTarget(0x1d00ffff)).toBe(DIFF1_TARGET)
  })
})

describe('compact bits: the edge cases of Bitcoin Core (arith_uint256 tests)', () => {
  it.each([0, 0x00123456, 0x01003456, 0x02000056, 0x03000000, 0x04000000, 0x00923456, 0x01803456, 0x02800056, 0x03800000, 0x04800000])(
    '%i expands to zero (no mantissa bits survive, so no sign either)',
    (bits) => {
      expect(bitsToTarget(bits)).toBe(0n)
    }
  )

  it.each<[number, bigint, number]>([
    [0x01123456, 0x12n, 0x01120000],
    [0x02123456, 0x1234n, 0x02123400],
    [0x03123456, 0x123456n, 0x03123456],
    [0x04123456, 0x12345600n, 0x04123456],
    [0x05009234, 0x92340000n, 0x05009234],
    [0x20123456, 0x123456n << 232n, 0x20123456]
  ])('%i -> %s -> %i', (bits, target, compact) => {
    expect(bitsToTarget(bits)).toBe(target)
    expect(targetToBits(target)).toBe(compact)
  })

  it('never emits the sign bit: 0x80 compresses to 0x02008000, zero to 0', () => {
    expect(targetToBits(0x80n)).toBe(0x02008000)
    expect(targetToBits(0n)).toBe(0)
  })

  it('refuses negative encodings', () => {
    expect(() => bitsToTarget(0x04923456)).toThrow(/negative compact target: 0x4923456/)
    expect(() => bitsToTarget(0x01fedcba)).toThrow(/negative/)
  })

  it('refuses encodings that overflow 256 bits', () => {
    expect(() => bitsToTarget(0xff123456)).toThrow(/overflows 256 bits/)
    expect(() => bitsToTarget(0x21010000)).toThrow(/overflows/)
    expect(() => bitsToTarget(0x23000001)).toThrow(/overflows/)
    // The largest exponent that still fits with a small mantissa.
    expect(bitsToTarget(0x2100ffff)).toBe(0xffffn << 240n)
    expect(bitsToTarget(0x220000ff)).toBe(0xffn << 248n)
  })

  it('refuses values that are not u32', () => {
    expect(() => bitsToTarget(-1)).toThrow(RangeError)
    expect(() => bitsToTarget(2 ** 32)).toThrow(RangeError)
    expect(() => bitsToTarget(1.5)).toThrow(RangeError)
  })

  it('targetToBits refuses targets outside 0..2^256-1', () => {
    expect(() => targetToBits(-1n)).toThrow(/negative/)
    expect(() => targetToBits(MAX_TARGET + 1n)).toThrow(/256 bits/)
  })
})

describe('compact bits: properties', () => {
  // Normalized ("canonical") compact values: what GetCompact emits. Either the mantissa's top byte
  // is non-zero and below 0x80, or it is zero and the next byte has its top bit set.
  const normalizedBits = fc.oneof(
    fc.tuple(fc.integer({ min: 3, max: 32 }), fc.integer({ min: 0x010000, max: 0x7fffff })).map(([e, m]) => ((e << 24) | m) >>> 0),
    fc.tuple(fc.integer({ min: 3, max: 33 }), fc.integer({ min: 0x8000, max: 0xffff })).map(([e, m]) => ((e << 24) | m) >>> 0),
    fc.integer({ min: 0x0100, max: 0x7fff }).map((m) => (0x02 << 24) | (m << 8)),
    fc.integer({ min: 0x80, max: 0xff }).map((m) => (0x02 << 24) | (m << 8)),
    fc.integer({ min: 0x01, max: 0x7f }).map((m) => (0x01 << 24) | (m << 16))
  )

  it('targetToBits(bitsToTarget(b)) === b for normalized bits', () => {
    fc.assert(
      fc.property(normalizedBits, (bits) => {
        expect(targetToBits(bitsToTarget(bits))).toBe(bits)
      }),
      { numRuns: 2000 }
    )
  })

  it('compressing rounds down, keeping at least the top 15 significant bits', () => {
    const target = fc.bigInt({ min: 1n, max: MAX_TARGET })
    fc.assert(
      fc.property(target, (t) => {
        const rounded = bitsToTarget(targetToBits(t))
        expect(rounded).toBeLessThanOrEqual(t)
        expect(t - rounded).toBeLessThanOrEqual(t >> 15n)
      }),
      { numRuns: 2000 }
    )
  })
})

describe('hashes against targets', () => {
  it('reads a hash as a little-endian 256-bit integer', () => {
    const display = '000000000003ba27aa200b1cecaad478d2b00432346c3f1f3986da1afd33e506'
    expect(hashToBigInt(hashFromHex(display))).toBe(BigInt('0x' + display))
    expect(hashToBigInt(new Uint8Array(32).fill(0xff))).toBe(MAX_TARGET)
    expect(hashToBigInt(Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : 0)))).toBe(1n)
    expect(hashToBigInt(Uint8Array.from({ length: 32 }, (_, i) => (i === 31 ? 0x80 : 0)))).toBe(1n << 255n)
  })

  it('reads from a subarray view', () => {
    const backing = new Uint8Array(40).fill(0xaa)
    const view = backing.subarray(5, 37)
    view.fill(0)
    view[0] = 7
    expect(hashToBigInt(view)).toBe(7n)
  })

  it('agrees with a hex reading for any 32 bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (hash) => {
        expect(hashToBigInt(hash)).toBe(BigInt('0x' + Buffer.from(hash).reverse().toString('hex')))
      })
    )
  })

  it('refuses a hash that is not 32 bytes', () => {
    expect(() => hashToBigInt(new Uint8Array(31))).toThrow(/32 bytes/)
  })

  it('block 100000 meets its own target and not a 2024 one', () => {
    const hash = headerHash(BLOCK_100000_HEADER)
    expect(meetsTarget(hash, bitsToTarget(0x1b04864c))).toBe(true)
    expect(meetsTarget(hash, bitsToTarget(0x170331db))).toBe(false)
  })

  it('meetsTarget is inclusive', () => {
    const hash = hashFromHex('00000000ffff0000000000000000000000000000000000000000000000000000')
    expect(meetsTarget(hash, DIFF1_TARGET)).toBe(true)
    expect(meetsTarget(hash, DIFF1_TARGET - 1n)).toBe(false)
  })
})

describe('difficulty', () => {
  it('difficulty 1 <-> DIFF1_TARGET', () => {
    expect(difficultyToTarget(1)).toBe(DIFF1_TARGET)
    expect(targetToDifficulty(DIFF1_TARGET)).toBe(1)
  })

  it('fractional difficulty 0.0001 (tiny hobby miners)', () => {
    expect(difficultyToTarget(0.0001)).toBe(DIFF1_TARGET * 10_000n)
    expect(targetToDifficulty(DIFF1_TARGET * 10_000n)).toBe(0.0001)
  })

  it('powers of two are exact', () => {
    for (const d of [2, 1024, 16384, 2 ** 30]) {
      expect(difficultyToTarget(d)).toBe(DIFF1_TARGET / BigInt(d))
      expect(targetToDifficulty(DIFF1_TARGET / BigInt(d))).toBe(d)
    }
  })

  it('a 2024 mainnet target has difficulty ~88.1 T', () => {
    const expected = (0xffff * 2 ** 48) / 0x0331db // diff1 / target with the common 2^160 cancelled
    const d = targetToDifficulty(bitsToTarget(0x170331db))
    expect(Math.abs(d - expected) / expected).toBeLessThan(1e-12)
    expect(d).toBeGreaterThan(88.1e12)
    expect(d).toBeLessThan(88.2e12)
  })

  it('hashDifficulty of block 100000', () => {
    const hash = headerHash(BLOCK_100000_HEADER)
    const expected = (0xffff * 2 ** 208) / Number(BigInt('0x000000000003ba27aa200b1cecaad478d2b00432346c3f1f3986da1afd33e506'))
    expect(Math.abs(hashDifficulty(hash) - expected) / expected).toBeLessThan(1e-12)
    // The block's hash is better than its target demanded.
    expect(hashDifficulty(hash)).toBeGreaterThan(targetToDifficulty(bitsToTarget(0x1b04864c)))
  })

  it('difficulty -> target -> difficulty stays within float precision', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-4, max: 1e15, noNaN: true }), (d) => {
        const back = targetToDifficulty(difficultyToTarget(d))
        expect(Math.abs(back - d) / d).toBeLessThan(1e-8)
      })
    )
  })

  it('a target above 2^256 is clamped; zero target is infinite difficulty', () => {
    expect(difficultyToTarget(1e-12)).toBe(MAX_TARGET)
    expect(difficultyToTarget(1e-20)).toBe(MAX_TARGET)
    expect(targetToDifficulty(0n)).toBe(Infinity)
  })

  it('refuses zero, negative, non-finite and absurdly large difficulties', () => {
    expect(() => difficultyToTarget(0)).toThrow(/positive finite/)
    expect(() => difficultyToTarget(-1)).toThrow(/positive finite/)
    expect(() => difficultyToTarget(Number.NaN)).toThrow(/positive finite/)
    expect(() => difficultyToTarget(Infinity)).toThrow(/positive finite/)
    expect(() => difficultyToTarget(1e300)).toThrow(/too large/)
  })
})

describe('work', () => {
  it('the work of a difficulty-1 block is 0x100010001 (the genesis chainwork)', () => {
    expect(targetToWork(bitsToTarget(0x1d00ffff))).toBe(0x100010001n)
  })

  it('is 2^256 / (target + 1), as Core computes it', () => {
    expect(targetToWork(MAX_TARGET)).toBe(1n)
    expect(targetToWork(0n)).toBe(1n << 256n)
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_TARGET }), (t) => {
        // Core's GetBlockProof: (~target / (target + 1)) + 1
        expect(targetToWork(t)).toBe((MAX_TARGET - t) / (t + 1n) + 1n)
      })
    )
    expect(() => targetToWork(-1n)).toThrow(RangeError)
  })

  it('harder targets mean more work', () => {
    expect(targetToWork(bitsToTarget(0x170331db))).toBeGreaterThan(targetToWork(bitsToTarget(0x1b0404cb)))
  })
})
