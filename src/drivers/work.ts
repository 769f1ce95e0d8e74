import { concatBytes } from '../bitcoin/bytes.js'
import { txid } from '../bitcoin/coinbase.js'
import { encodeHeader, headerHash } from '../bitcoin/header.js'
import { foldMerkleBranch } from '../bitcoin/merkle.js'
import { MAX_TARGET } from '../bitcoin/target.js'
import type { MiningWork, Solution } from './types.js'

/**
 * Bigger than any stratum server uses (ckpool and DATUM: 8). The search counts extranonce2 values in
 * a JS number, so past ~6.6 bytes only the first 2^53 values are ever tried, which is plenty.
 */
export const MAX_EXTRANONCE2_SIZE = 32

export class WorkError extends Error {
  override name = 'WorkError'
}

function isU32(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffffffff
}

/** Refuses, with the field's name, work that no header could be built from. */
export function validateWork(work: MiningWork): void {
  if (typeof work.jobId !== 'string' || work.jobId.length === 0) throw new WorkError('work needs a job id')
  for (const field of ['version', 'ntime', 'bits', 'versionMask'] as const) {
    if (!isU32(work[field])) throw new WorkError(`work.${field} must be a u32, got ${String(work[field])}`)
  }
  if (!(work.prevHash instanceof Uint8Array) || work.prevHash.length !== 32) throw new WorkError('work.prevHash must be 32 bytes')
  for (const field of ['coinb1', 'extranonce1', 'coinb2'] as const) {
    if (!(work[field] instanceof Uint8Array)) throw new WorkError(`work.${field} must be bytes`)
  }
  const size = work.extranonce2Size
  if (!Number.isInteger(size) || size < 0 || size > MAX_EXTRANONCE2_SIZE) throw new WorkError(`work.extranonce2Size must be 0-${MAX_EXTRANONCE2_SIZE}, got ${size}`)
  for (const [i, b] of work.merkleBranch.entries()) {
    if (!(b instanceof Uint8Array) || b.length !== 32) throw new WorkError(`work.merkleBranch[${i}] must be 32 bytes`)
  }
  if (typeof work.target !== 'bigint' || work.target < 0n || work.target > MAX_TARGET) throw new WorkError('work.target must be a 256-bit unsigned bigint')
}

/** The header version a solution commits to: the job's version with the rolled bits put in. */
export function rolledVersion(jobVersion: number, versionMask: number, versionBits: number): number {
  return ((jobVersion & ~versionMask) | (versionBits & versionMask)) >>> 0
}

/** The merkle root for one extranonce2 of the work. */
export function workMerkleRoot(work: MiningWork, extranonce2: Uint8Array): Uint8Array {
  const coinbase = concatBytes(work.coinb1, work.extranonce1, extranonce2, work.coinb2)
  return foldMerkleBranch(txid(coinbase), work.merkleBranch)
}

/**
 * The 80-byte header a solution describes, rebuilt from scratch with the bitcoin/ primitives (no
 * shared code with the CPU kernel, so it can catch the kernel's mistakes).
 */
export function solutionHeader(work: MiningWork, solution: Solution): Uint8Array {
  if (solution.extranonce2.length !== work.extranonce2Size) throw new WorkError(`extranonce2 must be ${work.extranonce2Size} bytes, got ${solution.extranonce2.length}`)
  if ((solution.versionBits & ~work.versionMask) !== 0) throw new WorkError('version bits outside the version mask')
  return encodeHeader({
    version: rolledVersion(work.version, work.versionMask, solution.versionBits) | 0,
    prevHash: work.prevHash,
    merkleRoot: workMerkleRoot(work, solution.extranonce2),
    time: solution.ntime,
    bits: work.bits,
    nonce: solution.nonce
  })
}

/** The hash of the rebuilt header, or null when the solution does not describe a header of this work. */
export function solutionHash(work: MiningWork, solution: Solution): Uint8Array | null {
  try {
    return headerHash(solutionHeader(work, solution))
  } catch {
    return null
  }
}
