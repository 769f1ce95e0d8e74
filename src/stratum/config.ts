/**
 * Server settings with their defaults, checked once at construction so the hot paths can trust them.
 */
import { isNetworkName, type NetworkName } from '../bitcoin/networks.js'
import type { CoinbaseLimitRule } from './coinbase-limits.js'
import type { SolutionHandler, StratumLogger, StratumServerOptions, StratumTlsOptions, SubmitOutcome, VardiffOptions } from './types.js'

export interface StratumConfig {
  network: NetworkName
  onSolution: SolutionHandler
  onOutcome: (outcome: SubmitOutcome) => void
  host: string
  port: number
  extranonce1Size: number
  extranonce2Size: number
  versionRollingMask: number
  startDifficulty: number
  minDifficulty: number
  maxDifficulty: number
  maxShareRate: number
  vardiff: VardiffOptions | null
  maxLineBytes: number
  maxBadLines: number
  maxConnections: number
  maxConnectionsPerIp: number
  maxConnectionsPerPrefix: number
  maxUnprovenSessions: number
  maxUnprovenAddresses: number
  maxUnprovenPerPrefix: number
  unprovenTimeoutMs: number
  proofDifficulty: number
  coinbaseCacheBytes: number
  coinbaseLimitRules: readonly CoinbaseLimitRule[]
  fanoutSliceMs: number
  tls: StratumTlsOptions | null
  handshakeTimeoutMs: number
  idleTimeoutMs: number
  maxSendBufferBytes: number
  maxJobs: number
  maxPendingSubmits: number
  ntimeFutureLimitSec: number
  sweepIntervalMs: number
  extranonce1Start: bigint | null
  now: () => number
  logger: StratumLogger
}

export const DEFAULT_VARDIFF: VardiffOptions = {
  targetShareIntervalMs: 10_000,
  retargetMs: 30_000,
  retargetShares: 20,
  deadBand: [0.5, 2]
}

/** The limits' defaults, shared with `hashcoop node`'s option table (config/stratum-options.ts). */
export const LIMIT_DEFAULTS = {
  maxConnections: 16_384,
  // A farm behind one NAT is one IP and one prefix: room for thousands of rigs there; what costs
  // the node is unproven sessions, which have their own, tighter caps.
  maxConnectionsPerIp: 4096,
  maxConnectionsPerPrefix: 8192,
  maxUnprovenSessions: 4096,
  maxUnprovenAddresses: 1024,
  maxUnprovenPerPrefix: 2048,
  unprovenTimeoutMs: 2 * 60_000,
  handshakeTimeoutMs: 30_000,
  idleTimeoutMs: 10 * 60_000,
  maxLineBytes: 16 * 1024
} as const

const SILENT: StratumLogger = { debug() {}, info() {}, warn() {}, error() {} }

export function resolveConfig(o: StratumServerOptions): StratumConfig {
  if (!isNetworkName(o.network)) throw new Error(`unknown network '${String(o.network)}'`)
  if (typeof o.onSolution !== 'function') throw new Error('onSolution handler is required')
  const c: StratumConfig = {
    network: o.network,
    onSolution: o.onSolution,
    onOutcome: guardedOutcome(o),
    host: o.host ?? '127.0.0.1',
    port: o.port ?? 0,
    extranonce1Size: o.extranonce1Size ?? 4,
    extranonce2Size: o.extranonce2Size ?? 8,
    versionRollingMask: o.versionRollingMask ?? 0x1fffe000,
    startDifficulty: o.startDifficulty ?? 1024,
    minDifficulty: o.minDifficulty ?? 0.0001,
    maxDifficulty: o.maxDifficulty ?? 2 ** 32,
    maxShareRate: o.maxShareRate ?? 10,
    vardiff: o.vardiff === false ? null : { ...DEFAULT_VARDIFF, ...o.vardiff },
    maxLineBytes: o.maxLineBytes ?? LIMIT_DEFAULTS.maxLineBytes,
    maxBadLines: o.maxBadLines ?? 10,
    maxConnections: o.maxConnections ?? LIMIT_DEFAULTS.maxConnections,
    maxConnectionsPerIp: o.maxConnectionsPerIp ?? LIMIT_DEFAULTS.maxConnectionsPerIp,
    maxConnectionsPerPrefix: o.maxConnectionsPerPrefix ?? LIMIT_DEFAULTS.maxConnectionsPerPrefix,
    maxUnprovenSessions: o.maxUnprovenSessions ?? LIMIT_DEFAULTS.maxUnprovenSessions,
    maxUnprovenAddresses: o.maxUnprovenAddresses ?? LIMIT_DEFAULTS.maxUnprovenAddresses,
    maxUnprovenPerPrefix: o.maxUnprovenPerPrefix ?? LIMIT_DEFAULTS.maxUnprovenPerPrefix,
    unprovenTimeoutMs: o.unprovenTimeoutMs ?? LIMIT_DEFAULTS.unprovenTimeoutMs,
    // One diff-1 of pseudo-shares (2^32 hashes: a second of a small ASIC) on mainnet; any accepted
    // solution elsewhere (test networks are CPU-mined at tiny difficulties).
    proofDifficulty: o.proofDifficulty ?? (o.network === 'mainnet' ? 1 : 0),
    coinbaseCacheBytes: o.coinbaseCacheBytes ?? 32 * 2 ** 20,
    coinbaseLimitRules: o.coinbaseLimitRules ?? [],
    fanoutSliceMs: o.fanoutSliceMs ?? 8,
    tls: o.tls ?? null,
    handshakeTimeoutMs: o.handshakeTimeoutMs ?? LIMIT_DEFAULTS.handshakeTimeoutMs,
    idleTimeoutMs: o.idleTimeoutMs ?? LIMIT_DEFAULTS.idleTimeoutMs,
    maxSendBufferBytes: o.maxSendBufferBytes ?? 1024 * 1024,
    maxJobs: o.maxJobs ?? 16,
    maxPendingSubmits: o.maxPendingSubmits ?? 64,
    ntimeFutureLimitSec: o.ntimeFutureLimitSec ?? 60,
    sweepIntervalMs: o.sweepIntervalMs ?? 1000,
    extranonce1Start: o.extranonce1Start ?? null,
    now: o.now ?? Date.now,
    logger: o.logger ?? SILENT
  }
  checkConfig(c)
  return c
}

/** Accounting is a bystander: its failure is logged, never an answer to the miner. */
function guardedOutcome(o: StratumServerOptions): (outcome: SubmitOutcome) => void {
  const listener = o.onOutcome
  if (listener === undefined) return () => {}
  return (outcome) => {
    try {
      listener(outcome)
    } catch (err) {
      ;(o.logger ?? SILENT).error({ err }, 'submit outcome listener failed')
    }
  }
}

function checkConfig(c: StratumConfig): void {
  integerIn('extranonce1Size', c.extranonce1Size, 1, 8)
  integerIn('extranonce2Size', c.extranonce2Size, 2, 16)
  integerIn('versionRollingMask', c.versionRollingMask, 0, 0xffffffff)
  integerIn('port', c.port, 0, 65535)
  for (const [name, v] of [
    ['maxLineBytes', c.maxLineBytes],
    ['maxBadLines', c.maxBadLines],
    ['maxConnections', c.maxConnections],
    ['maxConnectionsPerIp', c.maxConnectionsPerIp],
    ['maxConnectionsPerPrefix', c.maxConnectionsPerPrefix],
    ['maxUnprovenSessions', c.maxUnprovenSessions],
    ['maxUnprovenAddresses', c.maxUnprovenAddresses],
    ['maxUnprovenPerPrefix', c.maxUnprovenPerPrefix],
    ['unprovenTimeoutMs', c.unprovenTimeoutMs],
    ['coinbaseCacheBytes', c.coinbaseCacheBytes],
    ['fanoutSliceMs', c.fanoutSliceMs],
    ['handshakeTimeoutMs', c.handshakeTimeoutMs],
    ['idleTimeoutMs', c.idleTimeoutMs],
    ['maxSendBufferBytes', c.maxSendBufferBytes],
    ['maxJobs', c.maxJobs],
    ['maxPendingSubmits', c.maxPendingSubmits],
    ['ntimeFutureLimitSec', c.ntimeFutureLimitSec],
    ['sweepIntervalMs', c.sweepIntervalMs]
  ] as const) {
    integerIn(name, v, 1, Number.MAX_SAFE_INTEGER)
  }
  for (const [name, v] of [
    ['startDifficulty', c.startDifficulty],
    ['minDifficulty', c.minDifficulty],
    ['maxDifficulty', c.maxDifficulty]
  ] as const) {
    if (!Number.isFinite(v) || v <= 0) throw new RangeError(`${name} must be a positive number, got ${v}`)
  }
  if (!Number.isFinite(c.proofDifficulty) || c.proofDifficulty < 0) throw new RangeError(`proofDifficulty must be a number >= 0, got ${c.proofDifficulty}`)
  if (c.tls !== null) checkTls(c.tls)
  if (!Number.isFinite(c.maxShareRate) || c.maxShareRate < 0) throw new RangeError(`maxShareRate must be a number >= 0 (0: no guard), got ${c.maxShareRate}`)
  if (c.minDifficulty > c.maxDifficulty) throw new RangeError('minDifficulty must not exceed maxDifficulty')
  if (c.startDifficulty < c.minDifficulty || c.startDifficulty > c.maxDifficulty) throw new RangeError('startDifficulty must lie within [minDifficulty, maxDifficulty]')
  if (c.vardiff !== null) checkVardiff(c.vardiff)
  const space = 2n ** BigInt(8 * c.extranonce1Size)
  if (c.extranonce1Start !== null && (c.extranonce1Start < 0n || c.extranonce1Start >= space)) throw new RangeError('extranonce1Start does not fit extranonce1Size')
}

function checkTls(t: StratumTlsOptions): void {
  if (t.port !== undefined) integerIn('tls.port', t.port, 0, 65535)
  for (const [name, v] of [['tls.cert', t.cert], ['tls.key', t.key]] as const) {
    if (!(typeof v === 'string' || v instanceof Uint8Array) || v.length === 0) throw new Error(`${name} must be the PEM text or bytes`)
  }
}

function checkVardiff(v: VardiffOptions): void {
  integerIn('vardiff.targetShareIntervalMs', v.targetShareIntervalMs, 1, Number.MAX_SAFE_INTEGER)
  integerIn('vardiff.retargetMs', v.retargetMs, 1, Number.MAX_SAFE_INTEGER)
  integerIn('vardiff.retargetShares', v.retargetShares, 1, Number.MAX_SAFE_INTEGER)
  const [low, high] = v.deadBand
  if (!(low > 0 && low <= 1 && high >= 1 && Number.isFinite(high))) throw new RangeError('vardiff.deadBand must be [low, high] with 0 < low <= 1 <= high')
}

function integerIn(name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${v}`)
}
