import { createHash } from 'node:crypto'
import { Transaction } from 'bitcoinjs-lib'
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { ByteWriter, fromHex, toHex } from '../../../src/bitcoin/bytes.js'
import {
  assembleCoinbase,
  buildCoinbaseParts,
  COINBASE_SEQUENCE,
  COINBASE_VERSION,
  coinbaseOutputs,
  coinbaseWithWitness,
  MAX_EXTRANONCE,
  outputSize,
  txid,
  type CoinbaseParams
} from '../../../src/bitcoin/coinbase.js'
import { hashToHex } from '../../../src/bitcoin/hash.js'
import { witnessCommitmentHash, witnessCommitmentScript } from '../../../src/bitcoin/merkle.js'

const P2WPKH = fromHex('0014751e76e8199196d454941c45d1b3a323f1433bd6')
const P2TR = fromHex('512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798')
const P2PKH = fromHex('76a91462e907b15cbf27d5425399ebf6f0fb50ebb88f1888ac')
const EMPTY_BLOCK_COMMITMENT = witnessCommitmentScript(witnessCommitmentHash([]))
const SHARE_COMMITMENT = Uint8Array.from({ length: 32 }, (_, i) => i + 1)
const TAG = new TextEncoder().encode('/hashcoop/')

function params(overrides: Partial<CoinbaseParams> = {}): CoinbaseParams {
  return {
    height: 840000,
    extranonceSize: 8,
    tag: TAG,
    witnessCommitment: EMPTY_BLOCK_COMMITMENT,
    payouts: [
      { value: 312_500_000n, script: P2WPKH },
      { value: 12_345n, script: P2TR },
      { value: 1n, script: P2PKH }
    ],
    commitment: SHARE_COMMITMENT,
    ...overrides
  }
}

function nodeSha256d(data: Uint8Array): Uint8Array {
  const once = createHash('sha256').update(data).digest()
  return new Uint8Array(createHash('sha256').update(once).digest())
}

const EXTRANONCE = fromHex('0011223344556677')

describe('buildCoinbaseParts + assembleCoinbase, read back by bitcoinjs-lib', () => {
  const raw = assembleCoinbase(buildCoinbaseParts(params()), EXTRANONCE)
  const tx = Transaction.fromBuffer(Buffer.from(raw))

  it('is a version 2 coinbase with one null-prevout input', () => {
    expect(tx.version).toBe(COINBASE_VERSION)
    expect(tx.isCoinbase()).toBe(true)
    expect(tx.ins.length).toBe(1)
    expect(toHex(tx.ins[0]!.hash)).toBe('00'.repeat(32))
    expect(tx.ins[0]!.index).toBe(0xffffffff)
    expect(tx.hasWitnesses()).toBe(false)
  })

  it('scriptSig = BIP34 height | push extranonce | push tag', () => {
    const tagHex = Buffer.from(TAG).toString('hex')
    expect(toHex(tx.ins[0]!.script)).toBe('0340d10c' + '08' + '0011223344556677' + '0a' + tagHex)
  })

  it('sequence 0xfffffffe and lockTime = height - 1 (BIP54)', () => {
    expect(tx.ins[0]!.sequence).toBe(COINBASE_SEQUENCE)
    expect(COINBASE_SEQUENCE).toBe(0xfffffffe)
    expect(tx.locktime).toBe(839999)
  })

  it('outputs: witness commitment first, payouts in order, share commitment last', () => {
    expect(tx.outs.map((o) => [o.value, toHex(o.script)])).toEqual([
      [0n, '6a24aa21a9ede2f61c3f71d1defd3fa999dfa36953755c690689799962b48bebd836974e8cf9'],
      [312_500_000n, toHex(P2WPKH)],
      [12_345n, toHex(P2TR)],
      [1n, toHex(P2PKH)],
      [0n, '6a20' + toHex(SHARE_COMMITMENT)]
    ])
  })

  it('re-serializes byte for byte and its txid matches', () => {
    expect(toHex(tx.toBuffer())).toBe(toHex(raw))
    expect(hashToHex(txid(raw))).toBe(tx.getId())
    expect(txid(raw)).toEqual(nodeSha256d(raw))
  })

  it('coinb1 ends with the extranonce push; coinb2 starts with the tag push', () => {
    const parts = buildCoinbaseParts(params())
    expect(parts.extranonceSize).toBe(8)
    // version | 1 input | null prevout | scriptSig length (4 + 1 + 8 + 11 = 24) | height | PUSH8
    expect(toHex(parts.coinb1)).toBe('02000000' + '01' + '00'.repeat(32) + 'ffffffff' + '18' + '0340d10c' + '08')
    expect(toHex(parts.coinb2).startsWith('0a' + Buffer.from(TAG).toString('hex') + 'feffffff' + '05')).toBe(true)
    expect(toHex(parts.coinb2).endsWith('3fd10c00')).toBe(true) // lockTime 839999
  })
})

describe('coinbase variants', () => {
  it('without a witness commitment the payouts come first', () => {
    const tx = Transaction.fromBuffer(Buffer.from(assembleCoinbase(buildCoinbaseParts(params({ witnessCommitment: null })), EXTRANONCE)))
    expect(tx.outs.length).toBe(4)
    expect(toHex(tx.outs[0]!.script)).toBe(toHex(P2WPKH))
    expect(toHex(tx.outs[3]!.script)).toBe('6a20' + toHex(SHARE_COMMITMENT))
  })

  it('without a tag the scriptSig is height and extranonce only', () => {
    for (const tag of [undefined, new Uint8Array(0)]) {
      const { tag: _omit, ...rest } = params()
      const p: CoinbaseParams = tag === undefined ? rest : { ...rest, tag }
      const tx = Transaction.fromBuffer(Buffer.from(assembleCoinbase(buildCoinbaseParts(p), EXTRANONCE)))
      expect(toHex(tx.ins[0]!.script)).toBe('0340d10c080011223344556677')
    }
  })

  it('heights 1-16 start the scriptSig with OP_N; the smallest scriptSig (3 bytes) is accepted', () => {
    const tx = Transaction.fromBuffer(Buffer.from(assembleCoinbase(buildCoinbaseParts(params({ height: 1, extranonceSize: 1, tag: undefined })), Uint8Array.of(0xaa))))
    expect(toHex(tx.ins[0]!.script)).toBe('5101aa')
    expect(tx.locktime).toBe(0)
  })

  it('height 0 has lockTime 0', () => {
    const tx = Transaction.fromBuffer(Buffer.from(assembleCoinbase(buildCoinbaseParts(params({ height: 0 })), EXTRANONCE)))
    expect(toHex(tx.ins[0]!.script).startsWith('0008')).toBe(true)
    expect(tx.locktime).toBe(0)
  })

  it('coinbaseOutputs lists the outputs in transaction order', () => {
    const outputs = coinbaseOutputs(params())
    expect(outputs.map((o) => toHex(o.script))).toEqual([toHex(EMPTY_BLOCK_COMMITMENT), toHex(P2WPKH), toHex(P2TR), toHex(P2PKH), '6a20' + toHex(SHARE_COMMITMENT)])
  })

  it('any extranonce size and payout list parses back', () => {
    const payout = fc.record({ value: fc.bigInt({ min: 0n, max: 2_100_000_000_000_000n }), script: fc.constantFrom(P2WPKH, P2TR, P2PKH) })
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 32 }), fc.array(payout, { maxLength: 30 }), fc.integer({ min: 17, max: 10_000_000 }), (size, payouts, height) => {
        const extranonce = new Uint8Array(size).fill(0x5a)
        const raw = assembleCoinbase(buildCoinbaseParts(params({ extranonceSize: size, payouts, height })), extranonce)
        const tx = Transaction.fromBuffer(Buffer.from(raw))
        expect(tx.outs.length).toBe(payouts.length + 2)
        expect(tx.outs.slice(1, -1).map((o) => o.value)).toEqual(payouts.map((p) => p.value))
        expect(tx.locktime).toBe(height - 1)
        expect(toHex(tx.toBuffer())).toBe(toHex(raw))
      }),
      { numRuns: 100 }
    )
  })
})

describe('limits, refused with clear errors', () => {
  it('extranonce size must be 1-75 bytes', () => {
    expect(MAX_EXTRANONCE).toBe(75)
    for (const size of [0, 76, 1.5, -1]) {
      expect(() => buildCoinbaseParts(params({ extranonceSize: size, tag: undefined }))).toThrow(/extranonce size must be 1-75 bytes/)
    }
    expect(() => buildCoinbaseParts(params({ extranonceSize: 75, tag: undefined }))).not.toThrow()
  })

  it('scriptSig at most 100 bytes: exactly 100 is accepted, 101 refused', () => {
    // height 840000 (4) + PUSH75 (1) + 75 + tag push (1 + 19) = 100
    const ok = buildCoinbaseParts(params({ extranonceSize: 75, tag: new Uint8Array(19).fill(0x41) }))
    const tx = Transaction.fromBuffer(Buffer.from(assembleCoinbase(ok, new Uint8Array(75))))
    expect(tx.ins[0]!.script.length).toBe(100)
    expect(() => buildCoinbaseParts(params({ extranonceSize: 75, tag: new Uint8Array(20) }))).toThrow(/coinbase scriptSig must be 2-100 bytes, would be 101/)
  })

  it('the assembled extranonce must have the declared size', () => {
    const parts = buildCoinbaseParts(params())
    expect(() => assembleCoinbase(parts, new Uint8Array(4))).toThrow(/extranonce must be 8 bytes, got 4/)
  })

  it('the share commitment must be 32 bytes and values non-negative', () => {
    expect(() => buildCoinbaseParts(params({ commitment: new Uint8Array(20) }))).toThrow(/share commitment must be 32 bytes, got 20/)
    expect(() => buildCoinbaseParts(params({ payouts: [{ value: -1n, script: P2WPKH }] }))).toThrow(/must not be negative/)
  })

  it('a negative height is refused', () => {
    expect(() => buildCoinbaseParts(params({ height: -1 }))).toThrow(/block height out of range/)
  })
})

describe('coinbaseWithWitness (BIP144)', () => {
  const raw = assembleCoinbase(buildCoinbaseParts(params()), EXTRANONCE)
  const segwit = coinbaseWithWitness(raw)
  const tx = Transaction.fromBuffer(Buffer.from(segwit))

  it('parses as a segwit transaction with one 32-byte zero witness item', () => {
    expect(toHex(segwit.subarray(4, 6))).toBe('0001')
    expect(tx.hasWitnesses()).toBe(true)
    expect(tx.ins[0]!.witness.map((w) => toHex(w))).toEqual(['00'.repeat(32)])
    expect(segwit.length).toBe(raw.length + 2 + 1 + 1 + 32)
  })

  it('keeps the txid and re-serializes byte for byte', () => {
    expect(tx.getId()).toBe(hashToHex(txid(raw)))
    expect(toHex(tx.toBuffer())).toBe(toHex(segwit))
    // BIP141 counts a coinbase's wtxid as zero in the witness tree; bitcoinjs-lib does the same.
    expect(toHex(tx.getHash(true))).toBe('00'.repeat(32))
  })

  it('keeps every other field', () => {
    const plain = Transaction.fromBuffer(Buffer.from(raw))
    expect(tx.locktime).toBe(plain.locktime)
    expect(toHex(tx.ins[0]!.script)).toBe(toHex(plain.ins[0]!.script))
    expect(tx.outs.map((o) => toHex(o.script))).toEqual(plain.outs.map((o) => toHex(o.script)))
  })
})

describe('outputSize', () => {
  it('equals the serialized size of an output, across the varint boundary', () => {
    for (const length of [0, 22, 34, 252, 253, 300, 0xffff]) {
      const script = new Uint8Array(length)
      expect(outputSize(script)).toBe(new ByteWriter().u64(0n).varbytes(script).finish().length)
    }
    expect(outputSize(new Uint8Array(0x10000))).toBe(8 + 5 + 0x10000)
  })
})
