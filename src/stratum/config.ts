/**
 * Server settings with their defaults, checked once at construction so the hot paths can trust them.
 */
import { isNetworkName, type NetworkName } from '../bitcoin/networks.js'
import type { SolutionHandler, StratumLogger, StratumServerOptions, VardiffOptions } from './types.js'

export interface StratumConfig {
  network: NetworkName
  onSolution: SolutionHandler
  host: string
  port: number
  extranonce1Size: number
  extranonce2Size: number
  versionRollingMask: number
  startDifficulty: number
  minDifficulty: number
  maxDifficulty: number
  vardiff: VardiffOptions | null
  maxLineBytes: number
  maxBadLines: number
  maxConnections: number
  maxConnectionsPerIp: number
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

const SILENT: StratumLogger = { debug() {}, info() {}, warn() {}, error() {} }

export function resolveConfig(o: StratumServerOptions): StratumConfig {
  if (!isNetworkName(o.network)) throw new Error(`unknown network '${String(o.network)}'`)
  if (typeof o.onSolution !== 'function') throw new Error('onSolution handler is required')
  const c: StratumConfig = {
    network: o.network,
    onSolution: o.onSolution,
    host: o.host ?? '127.0.0.1',
    port: o.port ?? 0,
    extranonce1Size: o.extranonce1Size ?? 4,
    extranonce2Size: o.extranonce2Size ?? 8,
    versionRollingMask: o.versionRollingMask ?? 0x1fffe000,
    startDifficulty: o.startDifficulty ?? 1024,
    minDifficulty: o.minDifficulty ?? 0.0001,
    maxDifficulty: o.maxDifficulty ?? 2 ** 32,
    vardiff: o.vardiff === false ? null : { ...DEFAULT_VARDIFF, ...o.vardiff },
    maxLineBytes: o.maxLineBytes ?? 16 * 1024,
    maxBadLines: o.maxBadLines ?? 10,
    maxConnections: o.maxConnections ?? 16_384,
    maxConnectionsPerIp: o.maxConnectionsPerIp ?? 1024,
    handshakeTimeoutMs: o.handshakeTimeoutMs ?? 30_000,
    idleTimeoutMs: o.idleTimeoutMs ?? 10 * 60_000,
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
  if (c.minDifficulty > c.maxDifficulty) throw new RangeError('minDifficulty must not exceed maxDifficulty')
  if (c.startDifficulty < c.minDifficulty || c.startDifficulty > c.maxDifficulty) throw new RangeError('startDifficulty must lie within [minDifficulty, maxDifficulty]')
  if (c.vardiff !== null) checkVardiff(c.vardiff)
  const space = 2n ** BigInt(8 * c.extranonce1Size)
  if (c.extranonce1Start !== null && (c.extranonce1Start < 0n || c.extranonce1Start >= space)) throw new RangeError('extranonce1Start does not fit extranonce1Size')
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
