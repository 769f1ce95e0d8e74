import { createHash } from 'node:crypto'
import { Block } from 'bitcoinjs-lib'
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { fromHex, toHex } from '../../../src/bitcoin/bytes.js'
import { hashFromHex, hashToHex } from '../../../src/bitcoin/hash.js'
import { decodeHeader, encodeHeader, headerHash, headerHashHex, HEADER_SIZE, type BlockHeader } from '../../../src/bitcoin/header.js'

/** Independent block hash: node:crypto, display order. */
function nodeBlockHash(header: Uint8Array): string {
  const once = createHash('sha256').update(header).digest()
  return Buffer.from(createHash('sha256').update(once).digest()).reverse().toString('hex')
}

interface RealHeader {
  height: number
  hex: string
  hash: string
  fields: { version: number; prevHash: string; merkleRoot: string; time: number; bits: number; nonce: number }
}

const REAL_HEADERS: RealHeader[] = [
  {
    height: 0,
    hex: '0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c',
    hash: '000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f',
    fields: { version: 1, prevHash: '00'.repeat(32), merkleRoot: '4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b', time: 1231006505, bits: 0x1d00ffff, nonce: 2083236893 }
  },
  {
    height: 1,
    hex: '010000006fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000982051fd1e4ba744bbbe680e1fee14677ba1a3c3540bf7b1cdb606e857233e0e61bc6649ffff001d01e36299',
    hash: '00000000839a8e6886ab5951d76f411475428afc90947ee320161bbf18eb6048',
    fields: { version: 1, prevHash: '000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f', merkleRoot: '0e3e2357e806b6cdb1f70b54c3a3a17b6714ee1f0e68bebb44a74b1efd512098', time: 1231469665, bits: 0x1d00ffff, nonce: 2573394689 }
  },
  {
    height: 100000,
    hex: '0100000050120119172a610421a6c3011dd330d9df07b63616c2cc1f1cd00200000000006657a9252aacd5c0b2940996ecff952228c3067cc38d4885efb5a4ac4247e9f337221b4d4c86041b0f2b5710',
    hash: '000000000003ba27aa200b1cecaad478d2b00432346c3f1f3986da1afd33e506',
    fields: { version: 1, prevHash: '000000000002d01c1fccc21636b607dfd930d31d01c3a62104612a1719011250', merkleRoot: 'f3e94742aca4b5ef85488dc37c06c3282295ffec960994b2c0d5ac2a25a95766', time: 1293623863, bits: 0x1b04864c, nonce: 274148111 }
  }
]

describe.each(REAL_HEADERS)('mainnet block $height header', ({ hex, hash, fields }) => {
  const bytes = fromHex(hex)

  it('decodes to the known fields', () => {
    const h = decodeHeader(bytes)
    expect(h.version).toBe(fields.version)
    expect(hashToHex(h.prevHash)).toBe(fields.prevHash)
    expect(hashToHex(h.merkleRoot)).toBe(fields.merkleRoot)
    expect(h.time).toBe(fields.time)
    expect(h.bits).toBe(fields.bits)
    expect(h.nonce).toBe(fields.nonce)
  })

  it('encodes from its fields back to the same 80 bytes', () => {
    const h: BlockHeader = { ...fields, prevHash: hashFromHex(fields.prevHash), merkleRoot: hashFromHex(fields.merkleRoot) }
    expect(toHex(encodeHeader(h))).toBe(hex)
    expect(toHex(encodeHeader(decodeHeader(bytes)))).toBe(hex)
  })

  it('hashes to the known block hash, from bytes and from fields', () => {
    expect(headerHashHex(bytes)).toBe(hash)
    expect(headerHashHex(decodeHeader(bytes))).toBe(hash)
    expect(hashToHex(headerHash(bytes))).toBe(hash)
    // Independent checks: node:crypto, and bitcoinjs-lib's Block.
    expect(nodeBlockHash(bytes)).toBe(hash)
    expect(Block.fromHex(hex).getId()).toBe(hash)
  })
})

describe('header chaining', () => {
  it("block 1's prevHash is the genesis hash in internal order", () => {
    const [genesis, block1] = REAL_HEADERS as [RealHeader, RealHeader, RealHeader]
    expect(decodeHeader(fromHex(block1.hex)).prevHash).toEqual(headerHash(fromHex(genesis.hex)))
  })
})

describe('encode/decode', () => {
  const headerArb = fc.record({
    version: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
    prevHash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    merkleRoot: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    time: fc.nat({ max: 0xffffffff }),
    bits: fc.nat({ max: 0xffffffff }),
    nonce: fc.nat({ max: 0xffffffff })
  })

  it('round-trips any header and agrees with bitcoinjs-lib on layout and hash', () => {
    fc.assert(
      fc.property(headerArb, (h) => {
        const bytes = encodeHeader(h)
        expect(bytes.length).toBe(HEADER_SIZE)
        expect(decodeHeader(bytes)).toEqual(h)
        const b = Block.fromBuffer(bytes)
        expect(b.version).toBe(h.version)
        expect(b.timestamp).toBe(h.time)
        expect(b.bits).toBe(h.bits)
        expect(b.nonce).toBe(h.nonce)
        expect(headerHashHex(bytes)).toBe(b.getId())
      }),
      { numRuns: 50 }
    )
  })

  it('a version set as u32 (top bit on) encodes the same 32 bits and decodes as i32', () => {
    const h: BlockHeader = { version: 0xe0000000, prevHash: new Uint8Array(32), merkleRoot: new Uint8Array(32), time: 0, bits: 0, nonce: 0 }
    const bytes = encodeHeader(h)
    expect(toHex(bytes.subarray(0, 4))).toBe('000000e0')
    expect(decodeHeader(bytes).version).toBe(0xe0000000 | 0)
  })

  it('refuses wrong sizes', () => {
    expect(() => decodeHeader(new Uint8Array(79))).toThrow(/80 bytes, got 79/)
    expect(() => decodeHeader(new Uint8Array(81))).toThrow(/80 bytes, got 81/)
    const bad: BlockHeader = { version: 1, prevHash: new Uint8Array(31), merkleRoot: new Uint8Array(32), time: 0, bits: 0, nonce: 0 }
    expect(() => encodeHeader(bad)).toThrow(/32 bytes/)
  })
})
