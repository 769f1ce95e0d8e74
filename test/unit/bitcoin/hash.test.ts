import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { toHex } from '../../../src/bitcoin/bytes.js'
import { hashFromHex, hashToHex, sha256, sha256d, sha256dNative } from '../../../src/bitcoin/hash.js'

function nodeSha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest())
}

describe('sha256 / sha256d', () => {
  it('known SHA-256 vectors (FIPS 180-2)', () => {
    expect(toHex(sha256(new Uint8Array(0)))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    expect(toHex(sha256(new TextEncoder().encode('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })

  it('double SHA-256 of "hello" (the Bitcoin wiki example)', () => {
    expect(toHex(sha256d(new TextEncoder().encode('hello')))).toBe('9595c9df90075148eb06860365df33584b75bff782a510c6cd4883a419833d50')
  })

  it('agrees with node:crypto on any input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
        expect(sha256d(data)).toEqual(nodeSha256(nodeSha256(data)))
      })
    )
  })

  it('sha256dNative gives the same bytes as sha256d, also on views into larger buffers', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(16), (data, offset) => {
        const padded = new Uint8Array(offset + data.length + 5)
        padded.set(data, offset)
        const view = padded.subarray(offset, offset + data.length)
        expect(toHex(sha256dNative(view))).toBe(toHex(sha256d(data)))
      })
    )
  })
})

describe('display <-> internal hash order', () => {
  const genesisDisplay = '000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f'

  it('display hex is the byte-reversed internal order', () => {
    const internal = hashFromHex(genesisDisplay)
    expect(toHex(internal)).toBe('6fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000')
    expect(hashToHex(internal)).toBe(genesisDisplay)
  })

  it('refuses a hash that is not 32 bytes, or not hex', () => {
    expect(() => hashFromHex('00ff', 'prevhash')).toThrow(/prevhash must be 32 bytes, got 2/)
    expect(() => hashFromHex('x'.repeat(64))).toThrow(/not valid hex/)
  })
})
