/**
 * normalizeTemplate on crafted getblocktemplate answers: conversion, field-by-field refusal,
 * trimming by weight and by sigops (parents and children), exact coinbase value, and the witness
 * commitment, checked against an independent computation with bitcoinjs-lib.
 */
import { describe, expect, it } from 'vitest'
import { Block, Transaction } from 'bitcoinjs-lib'
import { sha256 } from '@noble/hashes/sha2.js'
import { fromHex, reverseBytes, toHex } from '../../../src/bitcoin/bytes.js'
import { hashToHex, sha256d } from '../../../src/bitcoin/hash.js'
import {
  blockOverheadWeight,
  MAX_BLOCK_WEIGHT,
  normalizeTemplate,
  stripWitness,
  TemplateError,
  trimTransactions,
  type NormalizeOptions,
  type TemplateTransaction
} from '../../../src/bitcoin/template.js'

const OPTS: NormalizeOptions = { reservedWeight: 4000, reservedSigops: 400, verifyTransactionHashes: true }
const PREV = '00000000000000000001a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7'
const SUBSIDY = 312_500_000

interface TxSpec {
  fee: number
  sigops?: number
  weight?: number
  /** 1-based, as getblocktemplate gives them */
  depends?: number[]
  witness?: boolean
}

/** A syntactically real transaction, distinct per seed. */
function makeTx(seed: number, witness: boolean): Transaction {
  const tx = new Transaction()
  tx.version = 2
  tx.addInput(sha256(Uint8Array.of(seed, seed >> 8)), seed % 3, 0xfffffffd)
  tx.addOutput(Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(seed & 0xff)), BigInt(10_000 + seed))
  if (witness) tx.setWitness(0, [new Uint8Array(71).fill(1), new Uint8Array(33).fill(2)])
  return tx
}

function gbtTransaction(tx: Transaction, spec: TxSpec): Record<string, unknown> {
  return {
    data: tx.toHex(),
    txid: tx.getId(),
    hash: toHex(reverseBytes(tx.getHash(true))),
    depends: spec.depends ?? [],
    fee: spec.fee,
    sigops: spec.sigops ?? 4,
    weight: spec.weight ?? tx.weight()
  }
}

/** BIP141 commitment script computed by bitcoinjs-lib (independent of src/bitcoin/merkle.ts). */
function referenceCommitment(txs: readonly Transaction[]): string {
  const coinbase = new Transaction()
  coinbase.addInput(new Uint8Array(32), 0xffffffff)
  coinbase.setWitness(0, [new Uint8Array(32)])
  coinbase.addOutput(Uint8Array.of(0x6a), 0n)
  const hash = Block.calculateMerkleRoot([coinbase, ...txs], true)
  return '6a24aa21a9ed' + toHex(hash)
}

/** A Core-like (segwit from genesis) template over transactions built from the specs. */
function craft(specs: readonly TxSpec[], overrides: Record<string, unknown> = {}): { gbt: Record<string, unknown>; txs: Transaction[] } {
  const txs = specs.map((spec, i) => makeTx(i + 1, spec.witness ?? i % 2 === 0))
  const fees = specs.reduce((sum, s) => sum + s.fee, 0)
  const gbt = {
    capabilities: ['proposal'],
    version: 0x20000000,
    rules: ['csv', '!segwit', 'taproot'],
    vbavailable: {},
    vbrequired: 0,
    previousblockhash: PREV,
    transactions: txs.map((tx, i) => gbtTransaction(tx, specs[i] as TxSpec)),
    coinbaseaux: {},
    coinbasevalue: SUBSIDY + fees,
    longpollid: PREV + '7',
    target: '7fffff0000000000000000000000000000000000000000000000000000000000',
    mintime: 1_700_000_000,
    mutable: ['time', 'transactions', 'prevblock'],
    noncerange: '00000000ffffffff',
    sigoplimit: 80_000,
    sizelimit: 4_000_000,
    weightlimit: 4_000_000,
    curtime: 1_700_000_600,
    bits: '207fffff',
    height: 840_000,
    default_witness_commitment: referenceCommitment(txs),
    ...overrides
  }
  return { gbt, txs }
}

const ids = (txs: readonly TemplateTransaction[]): string[] => txs.map((t) => hashToHex(t.txid))

describe('normalizeTemplate: conversion', () => {
  it('converts a Core template: byte order, units, 0-based depends, witness commitment', () => {
    const { gbt, txs } = craft([{ fee: 1000 }, { fee: 2500, depends: [1] }, { fee: 700, depends: [1, 2] }])
    const t = normalizeTemplate(gbt, OPTS)
    expect(t.height).toBe(840_000)
    expect(t.version).toBe(0x20000000)
    expect(toHex(t.prevHash)).toBe(toHex(reverseBytes(fromHex(PREV))))
    expect(t.bits).toBe(0x207fffff)
    expect(t.target).toBe(0x7fffffn << 232n)
    expect(t.curtime).toBe(1_700_000_600)
    expect(t.mintime).toBe(1_700_000_000)
    expect(t.coinbaseValue).toBe(BigInt(SUBSIDY + 4200))
    expect(ids(t.transactions)).toEqual(txs.map((tx) => tx.getId()))
    expect(t.transactions.map((x) => x.depends)).toEqual([[], [0], [0, 1]])
    expect(t.transactions.map((x) => x.fee)).toEqual([1000n, 2500n, 700n])
    expect(toHex(t.transactions[0]?.wtxid as Uint8Array)).toBe(toHex(txs[0]?.getHash(true) as Uint8Array))
    expect(toHex(t.transactions[0]?.wtxid as Uint8Array)).not.toBe(toHex(t.transactions[0]?.txid as Uint8Array))
    expect(toHex(t.witnessCommitment as Uint8Array)).toBe(referenceCommitment(txs))
    expect(t.rules).toEqual(['csv', '!segwit', 'taproot'])
    expect(t.longpollId).toBe(PREV + '7')
    expect(t.weightLimit).toBe(4_000_000)
    expect(t.sigopLimit).toBe(80_000)
    expect(t.trimmed).toEqual({ transactions: 0, fees: 0n })
  })

  it('fills what BIP22 leaves optional, and ignores a commitment offered before segwit is active', () => {
    const { gbt } = craft([{ fee: 10, witness: false }])
    for (const field of ['weightlimit', 'sigoplimit', 'mintime', 'longpollid', 'target']) delete gbt[field]
    gbt.rules = [] // bcoin before activation still sends default_witness_commitment when asked
    const t = normalizeTemplate(gbt, OPTS)
    expect(t).toMatchObject({ weightLimit: MAX_BLOCK_WEIGHT, sigopLimit: 20_000, mintime: 1_700_000_600, longpollId: null, target: 0x7fffffn << 232n })
    expect(t.witnessCommitment).toBeNull()
  })

  it('an empty segwit template commits to an empty witness tree', () => {
    const { gbt } = craft([])
    expect(toHex(normalizeTemplate(gbt, OPTS).witnessCommitment as Uint8Array)).toBe(referenceCommitment([]))
  })
})

describe('normalizeTemplate: refusals name the field', () => {
  const cases: Array<[string, (gbt: Record<string, unknown>) => unknown, RegExp]> = [
    ['not an object', () => null, /getblocktemplate must be an object/],
    ['an array', () => [], /getblocktemplate must be an object/],
    ['height missing', (g) => ({ ...g, height: undefined }), /getblocktemplate\.height must be an integer/],
    ['height fractional', (g) => ({ ...g, height: 1.5 }), /getblocktemplate\.height/],
    ['version too large', (g) => ({ ...g, version: 2 ** 32 }), /getblocktemplate\.version/],
    ['previousblockhash short', (g) => ({ ...g, previousblockhash: 'abcd' }), /getblocktemplate\.previousblockhash must be a 64-hex-digit hash/],
    ['bits not hex', (g) => ({ ...g, bits: 'zzzzzzzz' }), /getblocktemplate\.bits must be 8 hex digits/],
    ['bits negative', (g) => ({ ...g, bits: '04923456' }), /getblocktemplate\.bits 04923456 is not a valid compact target/],
    ['bits zero', (g) => ({ ...g, bits: '00000000' }), /zero target/],
    ['target disagrees with bits', (g) => ({ ...g, target: '00'.repeat(32) }), /getblocktemplate\.target .* does not match bits 207fffff/],
    ['curtime a string', (g) => ({ ...g, curtime: '1700000000' }), /getblocktemplate\.curtime/],
    ['coinbasevalue negative', (g) => ({ ...g, coinbasevalue: -1 }), /getblocktemplate\.coinbasevalue/],
    ['coinbasevalue in BTC', (g) => ({ ...g, coinbasevalue: 3.125 }), /getblocktemplate\.coinbasevalue/],
    ['coinbasevalue below the fees', (g) => ({ ...g, coinbasevalue: 10 }), /coinbasevalue 10 is less than the transactions' fees/],
    ['longpollid a number', (g) => ({ ...g, longpollid: 5 }), /getblocktemplate\.longpollid must be a string/],
    ['weightlimit above consensus', (g) => ({ ...g, weightlimit: 4_000_001 }), /getblocktemplate\.weightlimit/],
    ['rules a string', (g) => ({ ...g, rules: 'segwit' }), /getblocktemplate\.rules must be an array/],
    ['rules with a number', (g) => ({ ...g, rules: ['segwit', 1] }), /getblocktemplate\.rules\[1\]/],
    ['transactions missing', (g) => ({ ...g, transactions: undefined }), /getblocktemplate\.transactions must be an array/],
    ['transaction not an object', (g) => ({ ...g, transactions: [7] }), /getblocktemplate\.transactions\[0\] must be an object/],
    ['data not hex', (g) => withTx(g, 1, { data: 'xyz' }), /transactions\[1\]\.data must be non-empty hex/],
    ['txid bad', (g) => withTx(g, 1, { txid: 'nothex' }), /transactions\[1\]\.txid must be a 64-hex-digit hash/],
    ['wtxid missing under segwit', (g) => withTx(g, 0, { hash: undefined }), /transactions\[0\]\.hash/],
    ['fee as a string', (g) => withTx(g, 1, { fee: '1000' }), /transactions\[1\]\.fee must be an integer/],
    ['fee fractional BTC', (g) => withTx(g, 1, { fee: 0.0001 }), /transactions\[1\]\.fee/],
    ['sigops negative', (g) => withTx(g, 0, { sigops: -1 }), /transactions\[0\]\.sigops/],
    ['weight zero', (g) => withTx(g, 0, { weight: 0 }), /transactions\[0\]\.weight/],
    ['depends not an array', (g) => withTx(g, 1, { depends: 1 }), /transactions\[1\]\.depends must be an array/],
    ['depends on itself', (g) => withTx(g, 1, { depends: [2] }), /transactions\[1\]\.depends\[0\] must be the 1-based index of an earlier transaction \(1\.\.1\)/],
    ['depends 0-based', (g) => withTx(g, 1, { depends: [0] }), /transactions\[1\]\.depends\[0\]/],
    ['txid not the data', (g) => withTx(g, 1, { txid: 'ab'.repeat(32) }), /transactions\[1\]\.txid does not match the hash of its data/],
    ['wtxid not the data', (g) => withTx(g, 0, { hash: 'ab'.repeat(32) }), /transactions\[0\]\.hash \(wtxid\) does not match/],
    ['data truncated', (g) => withTx(g, 0, { data: (txOf(g, 0).data as string).slice(0, 40) }), /transactions\[0\]\.data is not a transaction/],
    ['commitment disagrees', (g) => ({ ...g, default_witness_commitment: '6a24aa21a9ed' + '00'.repeat(32) }), /default_witness_commitment .* differs from the commitment computed/],
    ['commitment not hex', (g) => ({ ...g, default_witness_commitment: 'xx' }), /default_witness_commitment must be hex/]
  ]

  function txOf(gbt: Record<string, unknown>, index: number): Record<string, unknown> {
    return (gbt.transactions as Record<string, unknown>[])[index] as Record<string, unknown>
  }

  function withTx(gbt: Record<string, unknown>, index: number, patch: Record<string, unknown>): Record<string, unknown> {
    const transactions = (gbt.transactions as Record<string, unknown>[]).map((tx, i) => (i === index ? { ...tx, ...patch } : tx))
    return { ...gbt, transactions }
  }

  it.each(cases)('%s', (_, mutate, message) => {
    const { gbt } = craft([{ fee: 1000 }, { fee: 2000, depends: [1] }])
    expect(() => normalizeTemplate(gbt, OPTS)).not.toThrow()
    let thrown: unknown
    try {
      normalizeTemplate(mutate(gbt), OPTS)
    } catch (err) {
      thrown = err
    }
    expect(thrown).toBeInstanceOf(TemplateError)
    expect((thrown as Error).message).toMatch(message)
  })

  it('refuses bad options and a reservation that leaves no room', () => {
    const { gbt } = craft([{ fee: 1 }])
    expect(() => normalizeTemplate(gbt, { reservedWeight: -1, reservedSigops: 0 })).toThrow(/reservedWeight/)
    expect(() => normalizeTemplate(gbt, { reservedWeight: 0, reservedSigops: 1.5 })).toThrow(/reservedSigops/)
    expect(() => normalizeTemplate(gbt, { reservedWeight: MAX_BLOCK_WEIGHT, reservedSigops: 0 })).toThrow(/leaves no room/)
    expect(() => normalizeTemplate(gbt, { reservedWeight: 0, reservedSigops: 80_001 })).toThrow(/exceed the sigop limit/)
  })
})

describe('normalizeTemplate: trimming', () => {
  // Weights sum to 3,999,000: with 6 transactions (5 + coinbase) the header and count weigh 324.
  const weightSpecs: TxSpec[] = [
    { fee: 50_000, weight: 1_000_000 },
    { fee: 40_000, weight: 1_000_000 },
    { fee: 30_000, weight: 1_000_000, depends: [1, 2] },
    { fee: 20_000, weight: 500_000 },
    { fee: 10_000, weight: 499_000, depends: [4] }
  ]
  const overhead = blockOverheadWeight(6)

  it('keeps everything at an exact fit and trims one weight unit past it', () => {
    const { gbt } = craft(weightSpecs)
    const exact = MAX_BLOCK_WEIGHT - overhead - 3_999_000
    expect(normalizeTemplate(gbt, { ...OPTS, reservedWeight: exact }).transactions).toHaveLength(5)
    const over = normalizeTemplate(gbt, { ...OPTS, reservedWeight: exact + 1 })
    expect(over.transactions).toHaveLength(4)
    expect(over.trimmed).toEqual({ transactions: 1, fees: 10_000n })
  })

  it('drops from the tail until the coinbase fits, lowering the coinbase value by exactly the fees dropped', () => {
    const { gbt, txs } = craft(weightSpecs)
    const t = normalizeTemplate(gbt, { ...OPTS, reservedWeight: 600_000 })
    expect(ids(t.transactions)).toEqual(txs.slice(0, 3).map((tx) => tx.getId()))
    expect(t.transactions.map((x) => x.depends)).toEqual([[], [], [0, 1]])
    expect(t.trimmed).toEqual({ transactions: 2, fees: 30_000n })
    expect(t.coinbaseValue).toBe(BigInt(SUBSIDY + 150_000 - 30_000))
    const kept = t.transactions.reduce((sum, x) => sum + x.weight, 0)
    expect(blockOverheadWeight(4) + 600_000 + kept).toBeLessThanOrEqual(MAX_BLOCK_WEIGHT)
  })

  it('recomputes the witness commitment over the transactions kept', () => {
    const { gbt, txs } = craft(weightSpecs)
    const t = normalizeTemplate(gbt, { ...OPTS, reservedWeight: 600_000 })
    const commitment = toHex(t.witnessCommitment as Uint8Array)
    expect(commitment).toBe(referenceCommitment(txs.slice(0, 3)))
    expect(commitment).not.toBe(gbt.default_witness_commitment)
  })

  // sigops: T0 40,000 (parent of T2, grandparent of T4), T3 30,000, the rest none.
  const sigopSpecs: TxSpec[] = [
    { fee: 1_000, sigops: 40_000 },
    { fee: 2_000, sigops: 0 },
    { fee: 3_000, sigops: 0, depends: [1] },
    { fee: 4_000, sigops: 30_000 },
    { fee: 5_000, sigops: 0, depends: [3] },
    { fee: 6_000, sigops: 0, depends: [2] }
  ]

  it('over the sigop limit, drops the last transaction that has sigops, not a tail that has none', () => {
    const { gbt, txs } = craft(sigopSpecs)
    const t = normalizeTemplate(gbt, { ...OPTS, reservedSigops: 20_000 })
    expect(ids(t.transactions)).toEqual([0, 1, 2, 4, 5].map((i) => txs[i]?.getId()))
    expect(t.transactions.map((x) => x.depends)).toEqual([[], [], [0], [2], [1]])
    expect(t.trimmed).toEqual({ transactions: 1, fees: 4_000n })
    expect(t.coinbaseValue).toBe(BigInt(SUBSIDY + 21_000 - 4_000))
  })

  it('a dropped parent takes its children and grandchildren with it', () => {
    const { gbt, txs } = craft(sigopSpecs)
    const t = normalizeTemplate(gbt, { ...OPTS, reservedSigops: 50_000 })
    expect(ids(t.transactions)).toEqual([1, 5].map((i) => txs[i]?.getId()))
    expect(t.transactions.map((x) => x.depends)).toEqual([[], [0]])
    expect(t.trimmed).toEqual({ transactions: 4, fees: 1_000n + 3_000n + 4_000n + 5_000n })
    expect(t.coinbaseValue).toBe(BigInt(SUBSIDY + 21_000 - 13_000))
    expect(toHex(t.witnessCommitment as Uint8Array)).toBe(referenceCommitment([txs[1], txs[5]] as Transaction[]))
  })

  it('before segwit, counts legacy sigops and scales the coinbase reservation down by 4 (BIP145)', () => {
    const { gbt } = craft([{ fee: 100, sigops: 19_850, witness: false }], { rules: [], sigoplimit: 20_000 })
    // 400 cost = 100 legacy: 19,950 <= 20,000 fits; unscaled it would not.
    expect(normalizeTemplate(gbt, { ...OPTS, reservedSigops: 400 }).transactions).toHaveLength(1)
    expect(normalizeTemplate(gbt, { ...OPTS, reservedSigops: 800 }).transactions).toHaveLength(0)
  })

  it('trimTransactions works on its own and re-indexes depends', () => {
    const tx = (weight: number, depends: number[], fee: bigint): TemplateTransaction => ({
      data: '00',
      txid: new Uint8Array(32),
      wtxid: new Uint8Array(32),
      fee,
      sigops: 0,
      weight,
      depends
    })
    const result = trimTransactions([tx(100, [], 1n), tx(100, [0], 2n), tx(100, [], 3n), tx(100, [2], 4n)], {
      weightLimit: blockOverheadWeight(4) + 250,
      sigopLimit: 10,
      reservedWeight: 0,
      reservedSigops: 0
    })
    expect(result.dropped).toEqual([2, 3])
    expect(result.droppedFees).toBe(7n)
    expect(result.kept.map((x) => x.depends)).toEqual([[], [0]])
  })
})

describe('stripWitness', () => {
  it('gives the txid preimage of witness and legacy transactions', () => {
    for (const witness of [true, false]) {
      const tx = makeTx(9, witness)
      const raw = fromHex(tx.toHex())
      const stripped = stripWitness(raw)
      expect(hashToHex(sha256d(stripped))).toBe(tx.getId())
      expect(stripped.length).toBe(witness ? tx.byteLength(false) : raw.length)
    }
    expect(() => stripWitness(Uint8Array.of(2, 0, 0, 0, 1))).toThrow()
  })
})
