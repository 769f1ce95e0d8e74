/**
 * Sanity checks on a job from the work layer. A wrong job would make every miner's work invalid,
 * so it is refused loudly at setJob instead of discovered one rejected share at a time.
 */
import { ByteReader, concatBytes } from '../bitcoin/bytes.js'
import { MAX_SCRIPTSIG, MIN_SCRIPTSIG } from '../bitcoin/coinbase.js'
import type { CoinbaseHalves, StratumJob } from './types.js'

export const MAX_MERKLE_BRANCH = 32

export function checkJob(job: StratumJob, extranonceSize: number): void {
  if (typeof job.id !== 'string' || job.id.length === 0) throw new Error('job id must be a non-empty string')
  if (!(job.prevHash instanceof Uint8Array) || job.prevHash.length !== 32) throw new Error(`job ${job.id}: prevHash must be 32 bytes`)
  if (!Array.isArray(job.merkleBranch) || job.merkleBranch.length > MAX_MERKLE_BRANCH) throw new Error(`job ${job.id}: merkleBranch must be a list of at most ${MAX_MERKLE_BRANCH} hashes`)
  for (const h of job.merkleBranch) if (!(h instanceof Uint8Array) || h.length !== 32) throw new Error(`job ${job.id}: every merkle branch hash must be 32 bytes`)
  if (!Number.isInteger(job.version) || job.version < -0x80000000 || job.version > 0xffffffff) throw new Error(`job ${job.id}: version must be a 32-bit integer`)
  for (const [name, v] of [['bits', job.bits], ['time', job.time]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`job ${job.id}: ${name} must be a u32`)
  }
  for (const [name, v] of [['blockTarget', job.blockTarget], ['shareTarget', job.shareTarget]] as const) {
    if (typeof v !== 'bigint' || v <= 0n || v >= 1n << 256n) throw new Error(`job ${job.id}: ${name} must be a positive 256-bit bigint`)
  }
  // shareTarget may be harder than blockTarget: on regtest (and testnets at minimum difficulty)
  // blocks are easier than shares; the work layer handles a block that is not a share.
  checkCoinbaseHalves(job, extranonceSize, job.id)
}

/**
 * coinb1 | extranonce | coinb2 must parse, to the last byte, as a one-input non-witness transaction
 * whose scriptSig (2-100 bytes) holds the whole extranonce: its length byte has to count both
 * extranonces, or every block found on the job would be invalid.
 */
export function checkCoinbaseHalves(halves: CoinbaseHalves, extranonceSize: number, jobId: string): void {
  const { coinb1, coinb2 } = halves
  if (!(coinb1 instanceof Uint8Array) || !(coinb2 instanceof Uint8Array)) throw new Error(`job ${jobId}: coinb1 and coinb2 must be byte arrays`)
  const problem = coinbaseProblem(coinb1, coinb2, extranonceSize)
  if (problem !== null) throw new Error(`job ${jobId}: coinbase halves do not fit an extranonce of ${extranonceSize} bytes: ${problem}`)
}

function coinbaseProblem(coinb1: Uint8Array, coinb2: Uint8Array, extranonceSize: number): string | null {
  const r = new ByteReader(concatBytes(coinb1, new Uint8Array(extranonceSize), coinb2))
  try {
    r.bytes(4) // version
    if (r.varint() !== 1) return 'the coinbase must have exactly one input and no segwit marker'
    r.bytes(36) // null prevout
    const scriptLength = r.varint()
    const scriptStart = r.offset
    if (scriptLength < MIN_SCRIPTSIG || scriptLength > MAX_SCRIPTSIG) return `scriptSig length ${scriptLength} is outside ${MIN_SCRIPTSIG}-${MAX_SCRIPTSIG}`
    if (scriptStart + scriptLength < coinb1.length + extranonceSize) return `the scriptSig length byte (${scriptLength}) does not cover the extranonce`
    if (scriptStart > coinb1.length) return 'the extranonce starts before the scriptSig'
    r.bytes(scriptLength)
    r.u32() // sequence
    const outputs = r.varint()
    if (outputs === 0) return 'the coinbase has no outputs'
    for (let i = 0; i < outputs; i++) {
      r.u64()
      r.varbytes()
    }
    r.u32() // lock time
  } catch (err) {
    if (err instanceof RangeError) return `the transaction is cut short (${err.message})`
    throw err
  }
  return r.remaining === 0 ? null : `${r.remaining} bytes left after the lock time`
}
