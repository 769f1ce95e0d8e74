import { ByteWriter, toHex } from '../bitcoin/bytes.js'
import { sha256, sha256d } from '../bitcoin/hash.js'

/** The share fields a coinbase commits to (SPEC.md §4); everything else is bound by the merkle root. */
export interface ShareInfo {
  height: number
  parent: Uint8Array
  uncles: Uint8Array[]
  shareBits: number
  payoutScript: Uint8Array
}

const DOMAIN = new TextEncoder().encode('hashcoop/share-commitment/v1')

/**
 * sha256d(domain || consensus id || height u64 || parent || uncle count u8 || uncles || bits u32 ||
 * script length u8 || script). The consensus id makes a share meaningless in any other cooperative.
 */
export function shareCommitment(consensusId: Uint8Array, info: ShareInfo): Uint8Array {
  const w = new ByteWriter(128 + info.uncles.length * 32)
  w.bytes(DOMAIN).bytes(consensusId).u64(BigInt(info.height)).bytes(info.parent).u8(info.uncles.length)
  for (const u of info.uncles) w.bytes(u)
  w.u32(info.shareBits).u8(info.payoutScript.length).bytes(info.payoutScript)
  return sha256d(w.finish())
}

/**
 * shareCommitment for many payout scripts and the same other fields: the hash state after those
 * fields is kept, and each script costs the rest (one job, thousands of miners).
 */
export function shareCommitmentFor(consensusId: Uint8Array, info: Omit<ShareInfo, 'payoutScript'>): (payoutScript: Uint8Array) => Uint8Array {
  const w = new ByteWriter(128 + info.uncles.length * 32)
  w.bytes(DOMAIN).bytes(consensusId).u64(BigInt(info.height)).bytes(info.parent).u8(info.uncles.length)
  for (const u of info.uncles) w.bytes(u)
  w.u32(info.shareBits)
  const prefix = sha256.create().update(w.finish())
  return (payoutScript) => sha256(prefix.clone().update(Uint8Array.of(payoutScript.length)).update(payoutScript).digest())
}

/** Share bases whose commitments are remembered: the current tip and the one before. */
const MEMO_BASES = 2
/** Scripts remembered per base (~200 B each): enough for a node's miners, bounded against a flood. */
const MEMO_SCRIPTS = 65_536
const memo = new Map<string, { forScript: (payoutScript: Uint8Array) => Uint8Array; hex: Map<string, string> }>()

/**
 * shareCommitmentFor as hex, remembered by script for the newest MEMO_BASES share bases. A new
 * template over the same share tip (a block found by anyone else, fresher fees) commits every
 * address to the same fields, so each address's commitment is looked up, not hashed again: at
 * thousands of distinct addresses the hash was a third of building a notify. `scriptHex` must be
 * toHex(payoutScript) (the caller has it already): it is the key an answer is kept under.
 */
export function shareCommitmentHexFor(consensusId: Uint8Array, info: Omit<ShareInfo, 'payoutScript'>): (payoutScript: Uint8Array, scriptHex: string) => string {
  const key = `${toHex(consensusId)}:${info.height}:${toHex(info.parent)}:${info.uncles.map(toHex).join(',')}:${info.shareBits}`
  let entry = memo.get(key)
  if (entry === undefined) entry = { forScript: shareCommitmentFor(consensusId, info), hex: new Map() }
  memo.delete(key) // re-inserted: Map order is the recency order
  memo.set(key, entry)
  while (memo.size > MEMO_BASES) memo.delete(memo.keys().next().value as string)
  const { forScript, hex } = entry
  return (payoutScript, scriptHex) => {
    let commitment = hex.get(scriptHex)
    if (commitment === undefined) {
      commitment = toHex(forScript(payoutScript))
      if (hex.size < MEMO_SCRIPTS) hex.set(scriptHex, commitment)
    }
    return commitment
  }
}

export const ZERO_ID = new Uint8Array(32)

export function isZeroId(id: Uint8Array): boolean {
  for (const b of id) if (b !== 0) return false
  return true
}

