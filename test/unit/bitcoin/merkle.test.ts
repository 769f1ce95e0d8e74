import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { concatBytes, toHex } from '../../../src/bitcoin/bytes.js'
import { hashFromHex, hashToHex } from '../../../src/bitcoin/hash.js'
import {
  coinbaseMerkleBranch,
  foldMerkleBranch,
  merkleRoot,
  WITNESS_RESERVED_VALUE,
  witnessCommitmentHash,
  witnessCommitmentScript
} from '../../../src/bitcoin/merkle.js'

function nodeSha256d(data: Uint8Array): Uint8Array {
  const once = createHash('sha256').update(data).digest()
  return new Uint8Array(createHash('sha256').update(once).digest())
}

/** An independent merkle root: node:crypto, recursion instead of levels. */
function referenceRoot(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 1) return leaves[0] as Uint8Array
  const padded = leaves.length % 2 === 1 ? [...leaves, leaves[leaves.length - 1] as Uint8Array] : leaves
  const parents: Uint8Array[] = []
  for (let i = 0; i < padded.length; i += 2) parents.push(nodeSha256d(concatBytes(padded[i] as Uint8Array, padded[i + 1] as Uint8Array)))
  return referenceRoot(parents)
}

const txidArb = fc.uint8Array({ minLength: 32, maxLength: 32 })

// Mainnet block 100000 (000000000003ba27aa200b1cecaad478d2b00432346c3f1f3986da1afd33e506), display order.
const BLOCK_100000_TXIDS = [
  '8c14f0db3df150123e6f3dbbf30f8b955a8249b62ac1d1ff16284aefa3d06d87',
  'fff2525b8931402dd09222c50775608f75787bd2b87e56995a7bdd30f79702c4',
  '6359f0868171b1d194cbee1af2f16ea598ae8fad666d9b012c8ed2b79a236ec4',
  'e9a66845e05d5abc0ad04ec80f774a7e585c6e8db975962d069a522137b80c1d'
]
const BLOCK_100000_ROOT = 'f3e94742aca4b5ef85488dc37c06c3282295ffec960994b2c0d5ac2a25a95766'

describe('merkleRoot', () => {
  it('mainnet block 100000: the root of its four txids', () => {
    const leaves = BLOCK_100000_TXIDS.map((h) => hashFromHex(h))
    expect(hashToHex(merkleRoot(leaves))).toBe(BLOCK_100000_ROOT)
    expect(hashToHex(referenceRoot(leaves))).toBe(BLOCK_100000_ROOT)
  })

  it('a block with only a coinbase: the root is its txid (genesis)', () => {
    const genesisTxid = hashFromHex('4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b')
    expect(merkleRoot([genesisTxid])).toEqual(genesisTxid)
  })

  it('odd levels duplicate their last node', () => {
    const [a, b, c] = [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2), new Uint8Array(32).fill(3)]
    const expected = nodeSha256d(concatBytes(nodeSha256d(concatBytes(a, b)), nodeSha256d(concatBytes(c, c))))
    expect(merkleRoot([a, b, c])).toEqual(expected)
  })

  it('agrees with an independent implementation for 1..40 leaves', () => {
    fc.assert(
      fc.property(fc.array(txidArb, { minLength: 1, maxLength: 40 }), (leaves) => {
        expect(merkleRoot(leaves)).toEqual(referenceRoot(leaves))
      }),
      { numRuns: 200 }
    )
  })

  it('does not modify its input', () => {
    const leaves = [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2), new Uint8Array(32).fill(3)]
    const copy = leaves.map((l) => Uint8Array.from(l))
    merkleRoot(leaves)
    expect(leaves).toEqual(copy)
  })

  it('refuses an empty tree', () => {
    expect(() => merkleRoot([])).toThrow(/at least one leaf/)
  })
})

describe('coinbase merkle branch', () => {
  it('block 100000: folding its coinbase txid up the branch gives the real root', () => {
    const [coinbase, ...others] = BLOCK_100000_TXIDS.map((h) => hashFromHex(h)) as [Uint8Array, ...Uint8Array[]]
    const branch = coinbaseMerkleBranch(others)
    expect(branch.length).toBe(2)
    // Level 0 sibling is tx 1 itself; level 1 sibling is sha256d(tx2 || tx3).
    expect(branch[0]).toEqual(others[0])
    expect(branch[1]).toEqual(nodeSha256d(concatBytes(others[1] as Uint8Array, others[2] as Uint8Array)))
    expect(hashToHex(foldMerkleBranch(coinbase, branch))).toBe(BLOCK_100000_ROOT)
  })

  it('a coinbase alone has an empty branch and is its own root', () => {
    expect(coinbaseMerkleBranch([])).toEqual([])
    const leaf = new Uint8Array(32).fill(9)
    expect(foldMerkleBranch(leaf, [])).toEqual(leaf)
  })

  it('branch length is ceil(log2(n)) for n transactions', () => {
    for (const [n, depth] of [[2, 1], [3, 2], [4, 2], [5, 3], [8, 3], [9, 4], [4000, 12]] as const) {
      const others = Array.from({ length: n - 1 }, (_, i) => nodeSha256d(Uint8Array.of(i & 0xff, i >> 8)))
      expect(coinbaseMerkleBranch(others).length).toBe(depth)
    }
  })

  it('folds to merkleRoot for generated trees of 1..40 transactions', () => {
    fc.assert(
      fc.property(txidArb, fc.array(txidArb, { minLength: 0, maxLength: 39 }), (coinbase, others) => {
        const branch = coinbaseMerkleBranch(others)
        expect(foldMerkleBranch(coinbase, branch)).toEqual(merkleRoot([coinbase, ...others]))
      }),
      { numRuns: 300 }
    )
  })

  it('every size from 1 to 40 at least once', () => {
    for (let n = 1; n <= 40; n++) {
      const leaves = Array.from({ length: n }, (_, i) => nodeSha256d(Uint8Array.of(n, i)))
      const [coinbase, ...others] = leaves as [Uint8Array, ...Uint8Array[]]
      expect(toHex(foldMerkleBranch(coinbase, coinbaseMerkleBranch(others)))).toBe(toHex(referenceRoot(leaves)))
    }
  })
})

describe('witness commitment (BIP141)', () => {
  it('a block with only a coinbase commits to sha256d of 64 zero bytes', () => {
    // The commitment every empty segwit block carries.
    const hash = witnessCommitmentHash([])
    expect(toHex(hash)).toBe('e2f61c3f71d1defd3fa999dfa36953755c690689799962b48bebd836974e8cf9')
    expect(hash).toEqual(nodeSha256d(new Uint8Array(64)))
    expect(toHex(witnessCommitmentScript(hash))).toBe('6a24aa21a9ed' + 'e2f61c3f71d1defd3fa999dfa36953755c690689799962b48bebd836974e8cf9')
  })

  it('is sha256d(root of [zero, ...wtxids] || reserved value)', () => {
    fc.assert(
      fc.property(fc.array(txidArb, { minLength: 1, maxLength: 20 }), (wtxids) => {
        const root = referenceRoot([new Uint8Array(32), ...wtxids])
        expect(witnessCommitmentHash(wtxids)).toEqual(nodeSha256d(concatBytes(root, WITNESS_RESERVED_VALUE)))
      }),
      { numRuns: 50 }
    )
  })

  it('the reserved value is 32 zero bytes; the script wants a 32-byte hash', () => {
    expect(WITNESS_RESERVED_VALUE).toEqual(new Uint8Array(32))
    expect(() => witnessCommitmentScript(new Uint8Array(31))).toThrow(/32 bytes/)
  })
})
