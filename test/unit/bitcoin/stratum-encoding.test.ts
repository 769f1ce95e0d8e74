import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { fromHex, toHex } from '../../../src/bitcoin/bytes.js'
import { hashFromHex } from '../../../src/bitcoin/hash.js'
import { decodeHeader } from '../../../src/bitcoin/header.js'
import { stratumPrevHash, stratumPrevHashToInternal, u32BigEndianHex } from '../../../src/bitcoin/stratum-encoding.js'

/** The other definition: reverse all 32 bytes of the display hash, then byte-swap each 4-byte word. */
function fromDisplayByFullReverse(displayHex: string): string {
  const reversed = Buffer.from(displayHex, 'hex').reverse()
  for (let i = 0; i < 32; i += 4) reversed.writeUInt32LE(reversed.readUInt32BE(i), i)
  return reversed.toString('hex')
}

/** And the way the research note states it: the display hex's eight words in reverse order. */
function fromDisplayByWordOrder(displayHex: string): string {
  const words = displayHex.match(/.{8}/g) ?? []
  return words.reverse().join('')
}

// Mainnet block 100000.
const BLOCK_100000 = '000000000003ba27aa200b1cecaad478d2b00432346c3f1f3986da1afd33e506'
const BLOCK_100000_STRATUM = 'fd33e5063986da1a346c3f1fd2b00432ecaad478aa200b1c0003ba2700000000'

describe('stratumPrevHash', () => {
  it('block 100000 as a mining.notify prevhash', () => {
    expect(stratumPrevHash(hashFromHex(BLOCK_100000))).toBe(BLOCK_100000_STRATUM)
    expect(fromDisplayByFullReverse(BLOCK_100000)).toBe(BLOCK_100000_STRATUM)
    expect(fromDisplayByWordOrder(BLOCK_100000)).toBe(BLOCK_100000_STRATUM)
  })

  it('the genesis hash, taken from the prevHash of block 1 as it is serialized', () => {
    const block1 = fromHex('010000006fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000982051fd1e4ba744bbbe680e1fee14677ba1a3c3540bf7b1cdb606e857233e0e61bc6649ffff001d01e36299')
    const prev = decodeHeader(block1).prevHash
    expect(stratumPrevHash(prev)).toBe('0a8ce26f72b3f1b646a2a6c14ff763ae65831e939c085ae10019d66800000000')
  })

  it('the research note example: 00000000000000000003 0dcf... -> ...00030dcf0000000000000000', () => {
    const display = '000000000000000000030dcf4cafe90165c63568aaaaaaaabbbbbbbb275476ad'
    const out = stratumPrevHash(hashFromHex(display))
    expect(out.startsWith('275476adbbbbbbbbaaaaaaaa65c63568')).toBe(true)
    expect(out.endsWith('00030dcf0000000000000000')).toBe(true)
  })

  it('agrees with both other definitions for any hash, and inverts', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (internal) => {
        const display = Buffer.from(internal).reverse().toString('hex')
        const stratum = stratumPrevHash(internal)
        expect(stratum).toBe(fromDisplayByFullReverse(display))
        expect(stratum).toBe(fromDisplayByWordOrder(display))
        expect(stratumPrevHashToInternal(stratum)).toEqual(internal)
      })
    )
  })

  it('does not modify its input', () => {
    const internal = hashFromHex(BLOCK_100000)
    const copy = Uint8Array.from(internal)
    stratumPrevHash(internal)
    expect(internal).toEqual(copy)
  })

  it('refuses wrong lengths and bad hex', () => {
    expect(() => stratumPrevHash(new Uint8Array(31))).toThrow(/prevhash must be 32 bytes, got 31/)
    expect(() => stratumPrevHashToInternal('00'.repeat(33))).toThrow(/stratum prevhash must be 32 bytes, got 33/)
    expect(() => stratumPrevHashToInternal('xyz')).toThrow(/stratum prevhash is not valid hex/)
  })

  it('the inverse of block 100000', () => {
    expect(toHex(stratumPrevHashToInternal(BLOCK_100000_STRATUM))).toBe(toHex(hashFromHex(BLOCK_100000)))
  })
})

describe('u32BigEndianHex', () => {
  it.each<[number, string]>([
    [0, '00000000'],
    [1, '00000001'],
    [0x20000000, '20000000'], // a BIP9 version
    [0x1d00ffff, '1d00ffff'], // nbits, no padding needed
    [0x0404cb, '000404cb'], // padding that public-pool forgets
    [1231006505, '495fab29'], // genesis ntime
    [0xffffffff, 'ffffffff'],
    [-1, 'ffffffff'], // a header version decoded as i32
    [-0x80000000, '80000000']
  ])('%i -> %s', (n, hex) => {
    expect(u32BigEndianHex(n)).toBe(hex)
  })

  it('refuses what is not a 32-bit integer', () => {
    for (const n of [2 ** 32, -0x80000001, 1.5, Number.NaN, Infinity]) expect(() => u32BigEndianHex(n)).toThrow(/not a 32-bit integer/)
  })
})
