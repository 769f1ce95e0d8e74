import { createHash } from 'node:crypto'
import { payments } from 'bitcoinjs-lib'
import { describe, expect, it } from 'vitest'
import { concatBytes, fromHex, toHex } from '../../../src/bitcoin/bytes.js'
import { ensureEccLib, nobleEcc } from '../../../src/bitcoin/ecc.js'

const G_X = fromHex('79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798')
const TWO_G_X = 'c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5'
const FIELD_P = fromHex('fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f')
const ORDER_N = fromHex('fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141')

function taggedHash(tag: string, data: Uint8Array): Uint8Array {
  const t = createHash('sha256').update(tag).digest()
  return new Uint8Array(createHash('sha256').update(concatBytes(t, t, data)).digest())
}

describe('isXOnlyPoint', () => {
  it('accepts the generator and refuses what is not a point', () => {
    expect(nobleEcc.isXOnlyPoint(G_X)).toBe(true)
    expect(nobleEcc.isXOnlyPoint(fromHex('00'.repeat(31) + '05'))).toBe(false) // 5^3 + 7 is not a square mod p
    expect(nobleEcc.isXOnlyPoint(FIELD_P)).toBe(false) // x must be below p
    expect(nobleEcc.isXOnlyPoint(G_X.subarray(1))).toBe(false)
    expect(nobleEcc.isXOnlyPoint(new Uint8Array(33))).toBe(false)
  })
})

describe('xOnlyPointAddTweak', () => {
  it('G + 1·G = 2G, whose y is even', () => {
    const tweakOne = fromHex('00'.repeat(31) + '01')
    const r = nobleEcc.xOnlyPointAddTweak(G_X, tweakOne)
    expect(r).not.toBeNull()
    expect(toHex(r!.xOnlyPubkey)).toBe(TWO_G_X)
    expect(r!.parity).toBe(0)
  })

  it('a zero tweak leaves the point', () => {
    const r = nobleEcc.xOnlyPointAddTweak(G_X, new Uint8Array(32))
    expect(toHex(r!.xOnlyPubkey)).toBe(toHex(G_X))
  })

  it('the BIP86 key-path tweak of the first BIP86 test key', () => {
    // BIP86 test vector m/86'/0'/0'/0/0: internal key -> output key.
    const internal = fromHex('cc8a4bc64d897bddc5fbc2f670f7a8ba0b386779106cf1223c6fc5d7cd6fc115')
    const r = nobleEcc.xOnlyPointAddTweak(internal, taggedHash('TapTweak', internal))
    expect(toHex(r!.xOnlyPubkey)).toBe('a60869f0dbcf1dc659c9cecbaf8050135ea9e8cdc487053f1dc6880949dc684c')
  })

  it('refuses a tweak at or above the group order, a bad tweak length, and a non-point', () => {
    expect(nobleEcc.xOnlyPointAddTweak(G_X, ORDER_N)).toBeNull()
    expect(nobleEcc.xOnlyPointAddTweak(G_X, new Uint8Array(31))).toBeNull()
    expect(nobleEcc.xOnlyPointAddTweak(FIELD_P, new Uint8Array(32))).toBeNull()
  })

  it('refuses a tweak that lands on infinity: P + (n - 1)·G where P = G', () => {
    const nMinusOne = Uint8Array.from(ORDER_N)
    nMinusOne[31] = (nMinusOne[31] as number) - 1
    expect(nobleEcc.xOnlyPointAddTweak(G_X, nMinusOne)).toBeNull()
  })
})

describe('bitcoinjs-lib with this backend', () => {
  it('derives the BIP86 address from the internal key', () => {
    ensureEccLib()
    ensureEccLib() // idempotent
    const internal = fromHex('cc8a4bc64d897bddc5fbc2f670f7a8ba0b386779106cf1223c6fc5d7cd6fc115')
    expect(payments.p2tr({ internalPubkey: internal }).address).toBe('bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr')
  })
})
