import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { bech32mDecode, bech32mDecodeWords, bech32mEncode } from '../../../src/coop/bech32m.js'
import { decodeJoinKey, encodeJoinKey, JoinKeyError, type JoinKey } from '../../../src/coop/join-key.js'

const ALPHABET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l'
const key32 = fc.uint8Array({ minLength: 32, maxLength: 32 })
const joinKeyArb: fc.Arbitrary<JoinKey> = fc.record({
  bootstrapKey: key32,
  consensusId: key32,
  encryptionKey: fc.option(key32, { nil: null })
})

function sampleKey(seed: number, isPrivate: boolean): JoinKey {
  const bytes = (n: number) => Uint8Array.from({ length: 32 }, (_, i) => (i * 31 + n * 7 + seed) & 0xff)
  return { bootstrapKey: bytes(1), consensusId: bytes(2), encryptionKey: isPrivate ? bytes(3) : null }
}

describe('bech32m', () => {
  it('accepts the BIP 350 valid bech32m vectors', () => {
    expect(bech32mDecodeWords('A1LQFN3A', 'a')).toEqual([])
    expect(bech32mDecodeWords('a1lqfn3a', 'a')).toEqual([])
    expect(() => bech32mDecodeWords('abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx', 'abcdef')).not.toThrow()
    expect(() =>
      bech32mDecodeWords('split1checkupstagehandshakeupstreamerranterredcaperredlc445v', 'split')
    ).not.toThrow()
  })

  it('rejects a bech32 (BIP 173, not "m") checksum', () => {
    // BIP 173 valid bech32 vector: same polymod, different constant.
    expect(() => bech32mDecodeWords('a12uel5l', 'a')).toThrow(/checksum mismatch/)
  })

  it('round-trips arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
        expect(bech32mDecode(bech32mEncode('hashcoop', bytes), 'hashcoop')).toEqual(bytes)
      })
    )
  })
})

describe('join key', () => {
  it('round-trips public and private keys', () => {
    fc.assert(
      fc.property(joinKeyArb, (key) => {
        const text = encodeJoinKey(key)
        expect(text.startsWith('hashcoop1')).toBe(true)
        expect(decodeJoinKey(text)).toEqual(key)
      })
    )
  })

  it('has the documented lengths', () => {
    expect(encodeJoinKey(sampleKey(0, false))).toHaveLength(121)
    expect(encodeJoinKey(sampleKey(0, true))).toHaveLength(172)
  })

  it('accepts upper case and whitespace from copy-paste', () => {
    const key = sampleKey(5, true)
    const text = encodeJoinKey(key)
    expect(decodeJoinKey(`  ${text.toUpperCase()}\n`)).toEqual(key)
    expect(decodeJoinKey(`${text.slice(0, 50)}\n  ${text.slice(50)}`)).toEqual(key)
  })

  it('detects every single-character substitution (exhaustive on two keys)', () => {
    for (const isPrivate of [false, true]) {
      const text = encodeJoinKey(sampleKey(9, isPrivate))
      const start = 'hashcoop1'.length
      for (let pos = start; pos < text.length; pos++) {
        for (const ch of ALPHABET) {
          if (ch === text[pos]) continue
          const typo = text.slice(0, pos) + ch + text.slice(pos + 1)
          expect(() => decodeJoinKey(typo), `${pos}:${ch}`).toThrow(/checksum mismatch: the key was mistyped or truncated/)
        }
      }
    }
  })

  it('detects a single-character substitution anywhere, on random keys (property)', () => {
    fc.assert(
      fc.property(joinKeyArb, fc.nat(), fc.integer({ min: 1, max: 31 }), (key, p, shift) => {
        const text = encodeJoinKey(key)
        const pos = p % text.length
        const old = text[pos] as string
        const idx = ALPHABET.indexOf(old)
        // Inside the data part: another alphabet character (shift 1-31 of 32); in the prefix: another
        // letter (the shift folded into 1-25, so that it never wraps back to the same letter).
        const letterShift = ((shift - 1) % 25) + 1
        const replacement =
          idx >= 0 ? (ALPHABET[(idx + shift) % 32] as string) : String.fromCharCode(((old.charCodeAt(0) - 97 + letterShift) % 26) + 97)
        expect(replacement).not.toBe(old)
        const typo = text.slice(0, pos) + replacement + text.slice(pos + 1)
        expect(() => decodeJoinKey(typo)).toThrow(JoinKeyError)
      })
    )
  })

  it('detects truncation, insertion and deletion', () => {
    fc.assert(
      fc.property(joinKeyArb, fc.nat(), fc.constantFrom(...ALPHABET), (key, p, ch) => {
        const text = encodeJoinKey(key)
        const pos = 'hashcoop1'.length + (p % (text.length - 'hashcoop1'.length))
        expect(() => decodeJoinKey(text.slice(0, pos))).toThrow(JoinKeyError)
        expect(() => decodeJoinKey(text.slice(0, pos) + text.slice(pos + 1))).toThrow(JoinKeyError)
        expect(() => decodeJoinKey(text.slice(0, pos) + ch + text.slice(pos))).toThrow(JoinKeyError)
      })
    )
  })

  it('gives a clear error for a truncated key', () => {
    const text = encodeJoinKey(sampleKey(1, false))
    expect(() => decodeJoinKey(text.slice(0, -1))).toThrow('invalid join key: checksum mismatch: the key was mistyped or truncated')
  })

  it('rejects other inputs with clear messages', () => {
    const text = encodeJoinKey(sampleKey(2, false))
    expect(() => decodeJoinKey('')).toThrow('invalid join key: empty')
    expect(() => decodeJoinKey(undefined)).toThrow('invalid join key: empty')
    expect(() => decodeJoinKey('bitcoin' + text.slice(8))).toThrow(/does not start with "hashcoop1"/)
    expect(() => decodeJoinKey(text.slice(0, 20) + 'b' + text.slice(21))).toThrow(/invalid character "b" at position 21/)
    expect(() => decodeJoinKey(text.slice(0, 20) + text.slice(20).toUpperCase())).toThrow(/mixed upper and lower case/)
  })

  it('refuses a protocol v1 cooperative\'s key, saying what it is and what to do', () => {
    const payload = new Uint8Array(66)
    payload[0] = 1
    expect(() => decodeJoinKey(bech32mEncode('hashcoop', payload))).toThrow(/protocol v1 cooperative; this hashcoop speaks protocol v2 only/)
  })

  it('rejects an unknown version, unknown flags and a wrong length even with a valid checksum', () => {
    const payload = new Uint8Array(66)
    payload[0] = 3
    expect(() => decodeJoinKey(bech32mEncode('hashcoop', payload))).toThrow(/version 3 is not supported/)
    payload[0] = 2
    payload[1] = 0x80
    expect(() => decodeJoinKey(bech32mEncode('hashcoop', payload))).toThrow(/unknown flags 0x80/)
    payload[1] = 1 // private but no encryption key
    expect(() => decodeJoinKey(bech32mEncode('hashcoop', payload))).toThrow(/66 bytes of data, expected 98 for a private/)
  })

  it('refuses to encode keys of the wrong size', () => {
    expect(() => encodeJoinKey({ ...sampleKey(0, false), consensusId: new Uint8Array(31) })).toThrow(
      'consensus id must be 32 bytes'
    )
  })
})
