import { fromHex, toHex } from '../bitcoin/bytes.js'
import { stratumPrevHashToInternal, u32BigEndianHex } from '../bitcoin/stratum-encoding.js'
import type { Solution } from './types.js'
import { MAX_EXTRANONCE2_SIZE } from './work.js'

/**
 * Stratum V1 messages as a miner reads and writes them. Every parser refuses a malformed value
 * with a StratumProtocolError naming the field, so the client can log the line and carry on.
 */

export class StratumProtocolError extends Error {
  override name = 'StratumProtocolError'
}

export type StratumId = number | string

export type ServerMessage =
  | { kind: 'response'; id: StratumId; result: unknown; error: unknown }
  /** A notification (id null) or a request the server expects an answer to. */
  | { kind: 'call'; id: StratumId | null; method: string; params: unknown[] }

export interface NotifyJob {
  jobId: string
  /** Internal byte order. */
  prevHash: Uint8Array
  coinb1: Uint8Array
  coinb2: Uint8Array
  merkleBranch: Uint8Array[]
  version: number
  bits: number
  ntime: number
  cleanJobs: boolean
}

export interface Subscription {
  extranonce1: Uint8Array
  extranonce2Size: number
  /** The id to resume this session with on reconnect (the mining.notify subscription id), if any. */
  sessionId: string | null
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isId(value: unknown): value is StratumId {
  return (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'string'
}

export function parseServerLine(line: string): ServerMessage {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    throw new StratumProtocolError('not JSON')
  }
  if (!isRecord(value)) throw new StratumProtocolError('not a JSON object')
  if (typeof value.method === 'string') {
    const params = value.params ?? []
    if (!Array.isArray(params)) throw new StratumProtocolError(`${value.method}: params is not an array`)
    const id = value.id ?? null
    if (id !== null && !isId(id)) throw new StratumProtocolError(`${value.method}: bad id`)
    return { kind: 'call', id, method: value.method, params }
  }
  if (isId(value.id) && ('result' in value || 'error' in value)) return { kind: 'response', id: value.id, result: value.result ?? null, error: value.error ?? null }
  throw new StratumProtocolError('neither a call nor a response')
}

/** A u32 in big-endian hex. Up to 8 digits: public-pool forgets the zero padding. */
export function parseU32Hex(value: unknown, what: string): number {
  if (typeof value !== 'string' || !/^[0-9a-fA-F]{1,8}$/.test(value)) throw new StratumProtocolError(`${what} is not a hex u32: ${JSON.stringify(value)}`)
  return Number.parseInt(value, 16)
}

function hexField(value: unknown, what: string): Uint8Array {
  if (typeof value !== 'string') throw new StratumProtocolError(`${what} is not a hex string`)
  try {
    return fromHex(value, what)
  } catch (err) {
    throw new StratumProtocolError(err instanceof Error ? err.message : String(err))
  }
}

function extranonce2SizeField(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_EXTRANONCE2_SIZE) {
    throw new StratumProtocolError(`extranonce2 size must be an integer 0-${MAX_EXTRANONCE2_SIZE}, got ${JSON.stringify(value)}`)
  }
  return value
}

/** mining.notify params: job_id, prevhash, coinb1, coinb2, merkle_branch, version, nbits, ntime, clean_jobs. */
export function parseNotify(params: readonly unknown[]): NotifyJob {
  if (params.length < 9) throw new StratumProtocolError(`mining.notify needs 9 params, got ${params.length}`)
  const [jobId, prevHash, coinb1, coinb2, branch, version, bits, ntime, clean] = params
  if ((typeof jobId !== 'string' && typeof jobId !== 'number') || String(jobId).length === 0) throw new StratumProtocolError('mining.notify: bad job id')
  if (typeof prevHash !== 'string') throw new StratumProtocolError('mining.notify: prevhash is not a string')
  if (!Array.isArray(branch)) throw new StratumProtocolError('mining.notify: merkle branch is not an array')
  let prevHashInternal: Uint8Array
  try {
    prevHashInternal = stratumPrevHashToInternal(prevHash)
  } catch (err) {
    throw new StratumProtocolError(`mining.notify: ${err instanceof Error ? err.message : String(err)}`)
  }
  const merkleBranch = branch.map((b: unknown, i) => {
    const bytes = hexField(b, `merkle branch ${i}`)
    if (bytes.length !== 32) throw new StratumProtocolError(`mining.notify: merkle branch ${i} is not 32 bytes`)
    return bytes
  })
  return {
    jobId: String(jobId),
    prevHash: prevHashInternal,
    coinb1: hexField(coinb1, 'coinb1'),
    coinb2: hexField(coinb2, 'coinb2'),
    merkleBranch,
    version: parseU32Hex(version, 'version'),
    bits: parseU32Hex(bits, 'nbits'),
    ntime: parseU32Hex(ntime, 'ntime'),
    cleanJobs: clean === true
  }
}

/** mining.set_difficulty params: [difficulty]; fractional difficulties are legal. */
export function parseDifficulty(params: readonly unknown[]): number {
  const raw = params[0]
  const difficulty = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw
  if (typeof difficulty !== 'number' || !Number.isFinite(difficulty) || difficulty <= 0) throw new StratumProtocolError(`mining.set_difficulty: not a positive difficulty: ${JSON.stringify(raw)}`)
  return difficulty
}

/** mining.subscribe result: [subscriptions, extranonce1, extranonce2_size]. */
export function parseSubscribeResult(result: unknown): Subscription {
  if (!Array.isArray(result) || result.length < 3) throw new StratumProtocolError('mining.subscribe: result is not [subscriptions, extranonce1, extranonce2_size]')
  return { extranonce1: hexField(result[1], 'extranonce1'), extranonce2Size: extranonce2SizeField(result[2]), sessionId: notifySubscriptionId(result[0]) }
}

/** The mining.notify subscription id, in either shape servers send: [[name, id], ...] or [name, id]. */
function notifySubscriptionId(subscriptions: unknown): string | null {
  if (!Array.isArray(subscriptions)) return null
  const pairs: unknown[] = Array.isArray(subscriptions[0]) ? subscriptions : [subscriptions]
  for (const pair of pairs) {
    if (Array.isArray(pair) && pair[0] === 'mining.notify' && typeof pair[1] === 'string' && pair[1].length > 0) return pair[1]
  }
  return null
}

/** mining.set_extranonce params: [extranonce1, extranonce2_size]. */
export function parseSetExtranonce(params: readonly unknown[]): Omit<Subscription, 'sessionId'> {
  return { extranonce1: hexField(params[0], 'extranonce1'), extranonce2Size: extranonce2SizeField(params[1]) }
}

/** The version-rolling mask the server granted in its mining.configure answer; 0 = none. */
export function parseConfigureResult(result: unknown): number {
  if (!isRecord(result) || result['version-rolling'] !== true) return 0
  return parseU32Hex(result['version-rolling.mask'], 'version-rolling.mask')
}

/** mining.set_version_mask params: [mask]. */
export function parseVersionMask(params: readonly unknown[]): number {
  return parseU32Hex(params[0], 'mining.set_version_mask mask')
}

/** A readable reason from a Stratum error: [code, message, data], {code, message} or a string. */
export function describeError(error: unknown): string {
  if (Array.isArray(error) && typeof error[1] === 'string') return typeof error[0] === 'number' ? `${error[1]} (${error[0]})` : error[1]
  if (isRecord(error) && typeof error.message === 'string') return typeof error.code === 'number' ? `${error.message} (${error.code})` : error.message
  if (typeof error === 'string' && error.length > 0) return error
  return 'rejected'
}

/**
 * mining.submit params: worker, job id, extranonce2 (hex, its full size), ntime and nonce
 * (big-endian hex u32, as notify sends them), and the rolled version bits when rolling was agreed.
 */
export function submitParams(username: string, solution: Solution, versionRolling: boolean): string[] {
  const params = [username, solution.jobId, toHex(solution.extranonce2), u32BigEndianHex(solution.ntime), u32BigEndianHex(solution.nonce)]
  if (versionRolling) params.push(u32BigEndianHex(solution.versionBits))
  return params
}
