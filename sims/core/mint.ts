import { encodeHeader } from '../../src/bitcoin/header.js'
import { bitsToTarget } from '../../src/bitcoin/target.js'
import { jobMerkleRoot, makeShareJob, shareFromSolution, type BlockFields } from '../../src/sharechain/build.js'
import type { WorkBase } from '../../src/sharechain/state.js'
import type { Share } from '../../protocol/share.js'
import { grindHeader } from './grind.js'
import type { Rng } from './rng.js'

/** The block template every simulated share commits to (its coinbase value, branch and commitment). */
export function simBlockFields(rng: Rng, coinbaseValue: bigint, merkleDepth: number): BlockFields {
  return {
    blockHeight: 900_000,
    coinbaseValue,
    witnessCommitment: rng.bytes(32),
    merkleBranch: Array.from({ length: merkleDepth }, () => rng.bytes(32)),
    tag: new TextEncoder().encode('/hashcoop-sim/')
  }
}

export interface MintSpec {
  base: WorkBase
  block: BlockFields
  script: Uint8Array
  /** Miner index and its share counter, written into the extranonce: every coinbase, so every share, is unique. */
  miner: number
  counter: number
  /** The header time the miner stamps (honest miners: max(clock, base.minTime)). */
  time: number
  blockBits: number
}

/** A real share on `base` through the real job code, its nonce ground to meet the share target. */
export function mintShare(s: MintSpec): Share {
  const job = makeShareJob(s.base, s.block, s.script, 8)
  const extranonce = new Uint8Array(8)
  const en = new DataView(extranonce.buffer)
  en.setUint32(0, s.miner, true)
  en.setUint32(4, s.counter, true)
  const header = encodeHeader({
    version: 0x20000000,
    prevHash: new Uint8Array(32).fill(7),
    merkleRoot: jobMerkleRoot(job, extranonce),
    time: s.time,
    bits: s.blockBits,
    nonce: 0
  })
  return shareFromSolution(job, extranonce, grindHeader(header, bitsToTarget(s.base.shareBits)))
}
