import { script as bjsScript } from 'bitcoinjs-lib'
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { toHex } from '../../../src/bitcoin/bytes.js'
import { bip34HeightScript, OP_0, OP_1, OP_PUSHDATA1, OP_PUSHDATA2, OP_PUSHDATA4, OP_RETURN, opReturnScript, pushData, scriptNum } from '../../../src/bitcoin/script.js'

describe('BIP34 height', () => {
  it.each<[number, string]>([
    [0, '00'],
    [1, '51'],
    [16, '60'],
    [17, '0111'],
    [127, '017f'],
    [128, '028000'],
    [255, '02ff00'],
    [256, '020001'],
    [32767, '02ff7f'],
    [32768, '03008000'],
    [65536, '03000001'],
    [227931, '035b7a03'], // the block where BIP34 activated on mainnet
    [840000, '0340d10c'], // the fourth halving
    [8388607, '03ffff7f'],
    [8388608, '0400008000']
  ])('height %i -> %s', (height, hex) => {
    expect(toHex(bip34HeightScript(height))).toBe(hex)
  })

  it('is what CScript() << height gives (bitcoinjs-lib compiles minimal pushes the same way)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x7fffffff }), (height) => {
        const reference = bjsScript.compile([bjsScript.number.encode(height)])
        expect(toHex(bip34HeightScript(height))).toBe(toHex(reference))
      }),
      { numRuns: 500 }
    )
  })

  it('refuses negative, fractional and unsafe heights', () => {
    expect(() => bip34HeightScript(-1)).toThrow(/block height out of range: -1/)
    expect(() => bip34HeightScript(1.5)).toThrow(RangeError)
    expect(() => bip34HeightScript(2 ** 53)).toThrow(RangeError)
  })
})

describe('scriptNum (CScriptNum)', () => {
  it.each<[number, string]>([
    [0, ''],
    [1, '01'],
    [-1, '81'],
    [127, '7f'],
    [-127, 'ff'],
    [128, '8000'], // sign bit of the top byte taken: pad with 00
    [-128, '8080'], // ... or with 80 for a negative number
    [255, 'ff00'],
    [-255, 'ff80'],
    [256, '0001'],
    [-256, '0081'],
    [32767, 'ff7f'],
    [-32768, '008080'],
    [0x7fffffff, 'ffffff7f'],
    [-0x7fffffff, 'ffffffff'],
    [0x80000000, '0000008000'],
    [-0x80000000, '0000008080']
  ])('%i -> %s', (n, hex) => {
    expect(toHex(scriptNum(n))).toBe(hex)
  })

  it('agrees with bitcoinjs-lib over the 32-bit range', () => {
    // bitcoinjs-lib's encoder works in 32-bit arithmetic, so it is a reference only for int32.
    fc.assert(
      fc.property(fc.integer({ min: -0x7fffffff, max: 0x7fffffff }), (n) => {
        expect(toHex(scriptNum(n))).toBe(toHex(bjsScript.number.encode(n)))
      }),
      { numRuns: 1000 }
    )
  })

  it("decodes back through bitcoinjs-lib's decoder over the 5-byte range", () => {
    const max = 2 ** 39 - 1
    fc.assert(
      fc.property(fc.integer({ min: -max, max }), (n) => {
        expect(bjsScript.number.decode(Buffer.from(scriptNum(n)), 5)).toBe(n)
      }),
      { numRuns: 1000 }
    )
  })

  it('is minimal: the top byte is never a bare 00 or 80 unless it carries the sign', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        const b = scriptNum(n)
        if (b.length === 0) return
        const last = b[b.length - 1] as number
        if ((last & 0x7f) === 0) expect(b.length > 1 && ((b[b.length - 2] as number) & 0x80) !== 0).toBe(true)
      })
    )
  })

  it('handles numbers beyond 32 bits', () => {
    expect(toHex(scriptNum(2 ** 40))).toBe('000000000001')
    expect(toHex(scriptNum(-(2 ** 47)))).toBe('00000000008080')
    expect(toHex(scriptNum(Number.MAX_SAFE_INTEGER))).toBe('ffffffffffff1f')
  })

  it('refuses unsafe integers', () => {
    expect(() => scriptNum(2 ** 53)).toThrow(/script number out of range/)
    expect(() => scriptNum(0.5)).toThrow(RangeError)
  })
})

describe('pushData', () => {
  it.each<[number, string]>([
    [0, '00'],
    [1, '01'],
    [75, '4b'],
    [76, '4c4c'],
    [255, '4cff'],
    [256, '4d0001'],
    [65535, '4dffff'],
    [65536, '4e00000100']
  ])('%i bytes -> prefix %s', (n, prefix) => {
    const data = new Uint8Array(n).fill(0xab)
    const pushed = pushData(data)
    expect(toHex(pushed.subarray(0, prefix.length / 2))).toBe(prefix)
    expect(pushed.length).toBe(prefix.length / 2 + n)
    expect(pushed.subarray(prefix.length / 2)).toEqual(data)
  })

  it('matches bitcoinjs-lib for data that is not a small number', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 2, maxLength: 600 }), (data) => {
        expect(toHex(pushData(data))).toBe(toHex(bjsScript.compile([data])))
      }),
      { numRuns: 100 }
    )
  })

  it('never turns one byte into an OP_N (pushData is for data, not numbers)', () => {
    expect(toHex(pushData(Uint8Array.of(5)))).toBe('0105')
  })

  it('opcode constants', () => {
    expect([OP_0, OP_PUSHDATA1, OP_PUSHDATA2, OP_PUSHDATA4, OP_1, OP_RETURN]).toEqual([0x00, 0x4c, 0x4d, 0x4e, 0x51, 0x6a])
  })
})

describe('opReturnScript', () => {
  it('OP_RETURN PUSH32 for a 32-byte commitment', () => {
    const data = new Uint8Array(32).fill(0x11)
    expect(toHex(opReturnScript(data))).toBe('6a20' + '11'.repeat(32))
    expect(bjsScript.toASM(opReturnScript(data))).toBe('OP_RETURN ' + '11'.repeat(32))
  })

  it('uses PUSHDATA1 above 75 bytes', () => {
    expect(toHex(opReturnScript(new Uint8Array(80)).subarray(0, 3))).toBe('6a4c50')
  })
})
