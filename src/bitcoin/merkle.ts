import { concatBytes } from './bytes.js'
import { sha256d } from './hash.js'

/**
 * Merkle trees over txids in internal byte order. Bitcoin duplicates the last node of an odd level.
 */
export function merkleRoot(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) throw new Error('a merkle tree needs at least one leaf')
  let level = leaves.slice()
  while (level.length > 1) {
    const next: Uint8Array[] = []
    for (let i = 0; i < level.length; i += 2) {
      const left = level[i] as Uint8Array
      const right = level[i + 1] ?? left
      next.push(sha256d(concatBytes(left, right)))
    }
    level = next
  }
  return level[0] as Uint8Array
}

/**
 * The branch that links the coinbase (leaf 0) to the root, leaf level upward, given the txids of
 * every other transaction in block order. This is what stratum's mining.notify carries.
 */
export function coinbaseMerkleBranch(otherTxids: readonly Uint8Array[]): Uint8Array[] {
  const branch: Uint8Array[] = []
  // Level holds the hashes to the right of the coinbase's path; index 0 is the path itself.
  let level: (Uint8Array | null)[] = [null, ...otherTxids]
  while (level.length > 1) {
    const sibling = level[1] as Uint8Array | null
    branch.push(sibling ?? new Uint8Array(32)) // never null: level[1] is a real txid when length > 1
    const next: (Uint8Array | null)[] = [null]
    for (let i = 2; i < level.length; i += 2) {
      const left = level[i] as Uint8Array
      const right = (level[i + 1] ?? left) as Uint8Array
      next.push(sha256d(concatBytes(left, right)))
    }
    level = next
  }
  return branch
}

/**
 * Folds a coinbase txid up its branch: h = hash(h || b) at each level, in one 64-byte buffer rather
 * than a concatenation per level. `hash` is sha256d unless a hot path passes an equal one
 * (stratum's submit check: hash.ts sha256dNative).
 */
export function foldMerkleBranch(leaf: Uint8Array, branch: readonly Uint8Array[], hash: (data: Uint8Array) => Uint8Array = sha256d): Uint8Array {
  let h = leaf
  if (branch.length === 0) return h
  const pair = new Uint8Array(64)
  for (const b of branch) {
    pair.set(h, 0)
    pair.set(b, 32)
    h = hash(pair)
  }
  return h
}

/** BIP141 witness reserved value used by every coinbase we build: 32 zero bytes. */
export const WITNESS_RESERVED_VALUE = new Uint8Array(32)

/**
 * BIP141 commitment hash: sha256d(witness merkle root || reserved value), where the root is over
 * wtxids with the coinbase's wtxid taken as 32 zero bytes.
 */
export function witnessCommitmentHash(otherWtxids: readonly Uint8Array[]): Uint8Array {
  const root = merkleRoot([new Uint8Array(32), ...otherWtxids])
  return sha256d(concatBytes(root, WITNESS_RESERVED_VALUE))
}

/** The coinbase output script that carries a witness commitment: OP_RETURN PUSH36 aa21a9ed || hash. */
export function witnessCommitmentScript(commitmentHash: Uint8Array): Uint8Array {
  if (commitmentHash.length !== 32) throw new Error('witness commitment hash must be 32 bytes')
  return concatBytes(Uint8Array.of(0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed), commitmentHash)
}
