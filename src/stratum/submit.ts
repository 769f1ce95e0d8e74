/**
 * mining.submit, checked in this order (each step only when the previous passed):
 *
 *   params shape (20) -> subscribed (25) -> authorized worker (24) -> job known (21) ->
 *   extranonce2 length (20) -> ntime / nonce format (20) -> version bits within the mask (20) ->
 *   build the header and hash it -> BLOCK: handed over even if the checks below fail ->
 *   stale job (21) -> ntime window (20) -> duplicate (22) -> low difficulty (23) -> accepted
 *
 * The ntime window is [job time, max(now, job time) + ntimeFutureLimitSec]: miners roll ntime
 * forward only, and Bitcoin rejects a header more than 2 hours ahead.
 */
import { concatBytes } from '../bitcoin/bytes.js'
import { sha256dNative } from '../bitcoin/hash.js'
import { encodeHeader } from '../bitcoin/header.js'
import { foldMerkleBranch } from '../bitcoin/merkle.js'
import { u32BigEndianHex } from '../bitcoin/stratum-encoding.js'
import { hashToBigInt, targetToDifficulty } from '../bitcoin/target.js'
import { rollVersion } from './configure.js'
import type { Credentials } from './credentials.js'
import type { Difficulty } from './difficulty.js'
import { ErrorCode, type StratumError } from './errors.js'
import { parseBytesHex, parseU32Hex } from './hex.js'
import type { JobRecord } from './jobs.js'
import type { CoinbaseHalves, Payout, RejectReason, Solution, SolutionKind } from './types.js'

/** A job as one session received it: at which difficulty (its coinbase is the record's for the session's payout). */
export interface SentJob {
  record: JobRecord
  difficulty: Difficulty
}

export interface SubmitContext {
  subscribed: boolean
  extranonce1: Uint8Array
  extranonce2Size: number
  versionMask: number
  payout: Payout | null
  worker(username: string): Credentials | undefined
  sentJob(wireId: string): SentJob | undefined
  /** The difficulty the miner was last told. */
  difficulty: Difficulty
  isStale(record: JobRecord): boolean
  nowSec: number
  ntimeFutureLimitSec: number
}

export interface Rejection extends StratumError {
  reason: RejectReason
}

export type SubmitOutcome =
  | { type: 'rejected'; rejection: Rejection }
  /** A block, to hand over whatever else is wrong with it; `rejection` is what else is wrong. */
  | { type: 'block'; solution: Solution; rejection: Rejection | null; hashDifficulty: number }
  | { type: 'accepted'; solution: Solution; hashDifficulty: number }

interface SubmitParams {
  username: string
  jobId: string
  extranonce2: string
  ntime: string
  nonce: string
  versionBits: string | undefined
}

export function evaluateSubmit(params: unknown[], ctx: SubmitContext): SubmitOutcome {
  const p = readParams(params)
  if (p === null) return rejected(ErrorCode.OTHER, 'bad-params', 'mining.submit params must be [worker, job_id, extranonce2, ntime, nonce(, version_bits)] as strings')
  if (!ctx.subscribed) return rejected(ErrorCode.NOT_SUBSCRIBED, 'not-subscribed', 'not subscribed')
  const worker = ctx.worker(p.username)
  if (worker === undefined || ctx.payout === null) return rejected(ErrorCode.UNAUTHORIZED, 'unauthorized', `unauthorized worker ${JSON.stringify(p.username.slice(0, 100))}`)
  const sent = ctx.sentJob(p.jobId)
  if (sent === undefined || !sent.record.live) return rejected(ErrorCode.JOB_NOT_FOUND, 'job-not-found', 'job not found')
  const extranonce2 = parseBytesHex(p.extranonce2, ctx.extranonce2Size)
  if (extranonce2 === null) return rejected(ErrorCode.OTHER, 'extranonce2', `extranonce2 must be ${ctx.extranonce2Size} bytes (${ctx.extranonce2Size * 2} hex digits)`)
  const ntime = parseU32Hex(p.ntime)
  if (ntime === null) return rejected(ErrorCode.OTHER, 'bad-ntime', 'ntime must be 1-8 hex digits')
  const nonce = parseU32Hex(p.nonce)
  if (nonce === null) return rejected(ErrorCode.OTHER, 'bad-nonce', 'nonce must be 1-8 hex digits')
  const job = sent.record.job
  const version = headerVersion(job.version, p.versionBits, ctx.versionMask)
  if (typeof version !== 'number') return { type: 'rejected', rejection: version }

  const halves = coinbaseOf(sent.record, ctx.payout)
  if (halves === null) return rejected(ErrorCode.JOB_NOT_FOUND, 'job-not-found', 'job not found')
  const coinbase = concatBytes(halves.coinb1, ctx.extranonce1, extranonce2, halves.coinb2)
  const merkleRoot = foldMerkleBranch(sha256dNative(coinbase), job.merkleBranch, sha256dNative)
  const header = encodeHeader({ version, prevHash: job.prevHash, merkleRoot, time: ntime, bits: job.bits, nonce })
  const hash = sha256dNative(header)
  const value = hashToBigInt(hash)

  // Counted at the lower of "when the job went out" and "now": a lowered difficulty applies to old
  // jobs at once (ESP-Miner does), a raised one only to jobs sent after it (cgminer waits for them).
  const counted = sent.difficulty.value <= ctx.difficulty.value ? sent.difficulty : ctx.difficulty
  const kind: SolutionKind | null = value <= job.blockTarget ? 'block' : value <= job.shareTarget ? 'share' : value <= counted.target ? 'pseudo' : null
  const stale = ctx.isStale(sent.record)
  const rejection = laterChecks(sent.record, value, kind, counted, stale, ntime, ctx)
  if (rejection === null) sent.record.seen?.add(value)
  if (kind === null || (rejection !== null && kind !== 'block')) return { type: 'rejected', rejection: rejection as Rejection }

  const solution: Solution = {
    kind,
    job,
    header,
    hash,
    coinbase,
    address: ctx.payout.address,
    payoutScript: ctx.payout.script,
    coinbaseLimit: ctx.payout.coinbaseLimit ?? null,
    worker: worker.worker,
    difficulty: counted.value,
    stale
  }
  const hashDifficulty = targetToDifficulty(value)
  return kind === 'block' ? { type: 'block', solution, rejection, hashDifficulty } : { type: 'accepted', solution, hashDifficulty }
}

/** The halves the session was sent (made again if the cache let them go); null if that fails. */
function coinbaseOf(record: JobRecord, payout: Payout): CoinbaseHalves | null {
  try {
    return record.coinbaseFor(payout)
  } catch {
    return null
  }
}

function laterChecks(record: JobRecord, value: bigint, kind: SolutionKind | null, counted: Difficulty, stale: boolean, ntime: number, ctx: SubmitContext): Rejection | null {
  const job = record.job
  if (stale) return rejection(ErrorCode.JOB_NOT_FOUND, 'stale', 'stale job')
  const latest = Math.max(ctx.nowSec, job.time) + ctx.ntimeFutureLimitSec
  if (ntime < job.time || ntime > latest) return rejection(ErrorCode.OTHER, 'ntime-range', `ntime out of range (allowed ${u32BigEndianHex(job.time)}-${u32BigEndianHex(Math.min(latest, 0xffffffff))})`)
  if (record.seen?.has(value) === true) return rejection(ErrorCode.DUPLICATE, 'duplicate', 'duplicate share')
  if (kind === null) return rejection(ErrorCode.LOW_DIFFICULTY, 'low-difficulty', `low difficulty share (${formatDifficulty(targetToDifficulty(value))} < ${formatDifficulty(counted.value)})`)
  return null
}

function headerVersion(jobVersion: number, bitsText: string | undefined, mask: number): number | Rejection {
  if (bitsText === undefined) return jobVersion >>> 0
  const bits = parseU32Hex(bitsText)
  if (bits === null) return rejection(ErrorCode.OTHER, 'version-bits', 'version bits must be 1-8 hex digits')
  const version = rollVersion(jobVersion, bits, mask)
  if (version !== null) return version
  if (mask === 0) return rejection(ErrorCode.OTHER, 'version-bits', 'version rolling was not negotiated (send mining.configure first)')
  return rejection(ErrorCode.OTHER, 'version-bits', `version bits ${u32BigEndianHex(bits)} fall outside the negotiated mask ${u32BigEndianHex(mask)}`)
}

function readParams(params: unknown[]): SubmitParams | null {
  if (params.length < 5 || params.length > 6) return null
  const [username, jobId, extranonce2, ntime, nonce, versionBits] = params
  if (typeof username !== 'string' || typeof jobId !== 'string' || typeof extranonce2 !== 'string' || typeof ntime !== 'string' || typeof nonce !== 'string') return null
  if (versionBits !== undefined && typeof versionBits !== 'string') return null
  return { username, jobId, extranonce2, ntime, nonce, versionBits }
}

function formatDifficulty(d: number): string {
  return Number(d.toPrecision(6)).toString()
}

function rejection(code: Rejection['code'], reason: RejectReason, message: string): Rejection {
  return { code, reason, message }
}

function rejected(code: Rejection['code'], reason: RejectReason, message: string): SubmitOutcome {
  return { type: 'rejected', rejection: rejection(code, reason, message) }
}
