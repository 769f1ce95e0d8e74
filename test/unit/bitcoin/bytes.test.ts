import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { ByteReader, ByteWriter, compareBytes, concatBytes, encodeVarint, equalBytes, fromHex, readU32le, reverseBytes, toHex, u32le, varintSize } from '../../../src/bitcoin/bytes.js'

describe('hex', () => {
  it('round-trips any bytes, and agrees with Buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const hex = toHex(bytes)
        expect(hex).toBe(Buffer.from(bytes).toString('hex'))
        expect(fromHex(hex)).toEqual(bytes)
      })
    )
  })

  it('hex of a subarray covers only that view', () => {
    const whole = Uint8Array.of(1, 2, 3, 4, 5)
    expect(toHex(whole.subarray(1, 3))).toBe('0203')
  })

  it('accepts upper case and the empty string', () => {
    expect(fromHex('DEADbeef')).toEqual(Uint8Array.of(0xde, 0xad, 0xbe, 0xef))
    expect(fromHex('')).toEqual(new Uint8Array(0))
  })

  it('refuses odd length and non-hex characters, naming what was parsed', () => {
    expect(() => fromHex('abc', 'prevhash')).toThrow(/prevhash is not valid hex/)
    expect(() => fromHex('zz')).toThrow(/not valid hex/)
    expect(() => fromHex('0x00')).toThrow(/not valid hex/)
  })
})

describe('small helpers', () => {
  it('reverseBytes copies', () => {
    const a = Uint8Array.of(1, 2, 3)
    const r = reverseBytes(a)
    expect(r).toEqual(Uint8Array.of(3, 2, 1))
    expect(a).toEqual(Uint8Array.of(1, 2, 3))
  })

  it('concat, equal, compare', () => {
    expect(concatBytes(Uint8Array.of(1), new Uint8Array(0), Uint8Array.of(2, 3))).toEqual(Uint8Array.of(1, 2, 3))
    expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 2))).toBe(true)
    expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBe(false)
    expect(equalBytes(Uint8Array.of(1), Uint8Array.of(1, 0))).toBe(false)
    expect(compareBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBeLessThan(0)
    expect(compareBytes(Uint8Array.of(2), Uint8Array.of(1, 255))).toBeGreaterThan(0)
    expect(compareBytes(Uint8Array.of(1), Uint8Array.of(1, 0))).toBeLessThan(0)
    expect(compareBytes(Uint8Array.of(9, 9), Uint8Array.of(9, 9))).toBe(0)
  })

  it('compareBytes orders as Buffer.compare does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ maxLength: 8 }), (a, b) => {
        expect(Math.sign(compareBytes(a, b))).toBe(Buffer.compare(a, b))
      })
    )
  })

  it('u32 little-endian', () => {
    expect(toHex(u32le(0x1d00ffff))).toBe('ffff001d')
    expect(toHex(u32le(0xffffffff))).toBe('ffffffff')
    expect(readU32le(Uint8Array.of(0, 0x29, 0xab, 0x5f, 0x49), 1)).toBe(1231006505)
    expect(() => readU32le(Uint8Array.of(1, 2, 3), 0)).toThrow(RangeError)
  })
})

describe('CompactSize varints', () => {
  // The boundaries of each width, as Bitcoin Core serializes them.
  const vectors: [number, string][] = [
    [0, '00'],
    [0xfc, 'fc'],
    [0xfd, 'fdfd00'],
    [0xffff, 'fdffff'],
    [0x10000, 'fe00000100'],
    [0xffffffff, 'feffffffff'],
    [0x100000000, 'ff0000000001000000'],
    [Number.MAX_SAFE_INTEGER, 'ffffffffffffff1f00']
  ]

  it.each(vectors)('%d <-> %s', (n, hex) => {
    expect(toHex(encodeVarint(n))).toBe(hex)
    expect(varintSize(n)).toBe(hex.length / 2)
    const r = new ByteReader(fromHex(hex))
    expect(r.varint()).toBe(n)
    expect(r.remaining).toBe(0)
  })

  it('refuses negative, fractional and unsafe values when writing', () => {
    expect(() => encodeVarint(-1)).toThrow(RangeError)
    expect(() => encodeVarint(1.5)).toThrow(RangeError)
    expect(() => new ByteWriter().varint(-1)).toThrow(/varint out of range/)
    expect(() => new ByteWriter().varint(2 ** 53)).toThrow(/varint out of range/)
  })

  it('refuses non-canonical encodings, as Core does', () => {
    expect(() => new ByteReader(fromHex('fdfc00')).varint()).toThrow(/non-canonical/)
    expect(() => new ByteReader(fromHex('feffff0000')).varint()).toThrow(/non-canonical/)
    expect(() => new ByteReader(fromHex('ffffffffff00000000')).varint()).toThrow(/non-canonical/)
  })

  it('refuses values above 2^53', () => {
    expect(() => new ByteReader(fromHex('ff0000000000002000')).varint()).toThrow(/too large/)
  })
})

describe('ByteWriter and ByteReader', () => {
  it('write then read every field type', () => {
    const w = new ByteWriter(1)
    w.u8(0xab).u32(0xdeadbeef).i32(-2).u64(0x0102030405060708n).varint(300).varbytes(Uint8Array.of(7, 8, 9)).bytes(Uint8Array.of(0xff))
    const bytes = w.finish()
    expect(bytes.length).toBe(w.length)
    expect(toHex(bytes)).toBe('ab' + 'efbeadde' + 'feffffff' + '0807060504030201' + 'fd2c01' + '03070809' + 'ff')
    const r = new ByteReader(bytes)
    expect(r.u8()).toBe(0xab)
    expect(r.u32()).toBe(0xdeadbeef)
    expect(r.i32()).toBe(-2)
    expect(r.u64()).toBe(0x0102030405060708n)
    expect(r.varint()).toBe(300)
    expect(r.varbytes()).toEqual(Uint8Array.of(7, 8, 9))
    expect(r.bytes(1)).toEqual(Uint8Array.of(0xff))
    expect(r.remaining).toBe(0)
  })

  it('grows from a zero capacity', () => {
    const w = new ByteWriter(0)
    for (let i = 0; i < 100; i++) w.u8(i)
    expect(w.finish()).toEqual(Uint8Array.from({ length: 100 }, (_, i) => i))
  })

  it('finish returns a copy that later writes do not change', () => {
    const w = new ByteWriter(8).u8(1)
    const first = w.finish()
    w.u8(2)
    expect(first).toEqual(Uint8Array.of(1))
  })

  it('u64 range is enforced', () => {
    expect(() => new ByteWriter().u64(-1n)).toThrow(RangeError)
    expect(() => new ByteWriter().u64(1n << 64n)).toThrow(RangeError)
  })

  it('reads past the end throw, naming the offset', () => {
    const r = new ByteReader(Uint8Array.of(1, 2, 3))
    r.u8()
    expect(() => r.u32()).toThrow(/truncated data: wanted 4 bytes at offset 1 of 3/)
    expect(() => new ByteReader(fromHex('fd01')).varint()).toThrow(RangeError)
    expect(() => new ByteReader(fromHex('05aabb')).varbytes()).toThrow(RangeError)
  })

  it('reads a subarray view relative to its own start', () => {
    const backing = Uint8Array.of(0xee, 0x01, 0x00, 0x00, 0x00)
    expect(new ByteReader(backing.subarray(1)).u32()).toBe(1)
  })
})
