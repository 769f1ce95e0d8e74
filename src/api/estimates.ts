/**
 * Hashrate from the share-chain: a share's work is the expected number of hashes behind it
 * (2^256 / (target + 1)), so the work of the shares found in a span of time, divided by the span,
 * estimates the hashrate that found them, whoever's node they came through. Share times are their
 * chain times (SPEC.md §5.1): the miners' ntime, capped so that a share stamped far ahead counts
 * where the share-chain puts it, not where its miner said.
 */
import type { ChainReader, ShareEntry } from './chain-reader.js'
import { formatHashrate } from './units.js'

/** The window of per-miner and cooperative hashrate estimates. */
export const HASHRATE_WINDOW_SECONDS = 600
/** Longest walk down the best chain for one estimate. */
const MAX_SHARES_WALKED = 20_000

export interface RecentWork {
  /** Seconds the estimate spans (the window, or less for a cooperative younger than it). */
  span: number
  total: bigint
  shares: number
  byScript: Map<string, { work: bigint; shares: number }>
}

export async function recentWork(reader: ChainReader, nowSec: number, createdAt: number, windowSec = HASHRATE_WINDOW_SECONDS): Promise<RecentWork> {
  const since = nowSec - windowSec
  const entries = await reader.bestChain(MAX_SHARES_WALKED, (s) => s.chainTime >= since)
  const byScript = new Map<string, { work: bigint; shares: number }>()
  let total = 0n
  for (const { value } of entries) {
    const work = BigInt(value.work)
    total += work
    const prev = byScript.get(value.script)
    byScript.set(value.script, { work: (prev?.work ?? 0n) + work, shares: (prev?.shares ?? 0) + 1 })
  }
  return { span: Math.max(1, nowSec - Math.max(createdAt, since)), total, shares: entries.length, byScript }
}

export function hashrateOf(work: bigint, spanSeconds: number): number {
  return spanSeconds <= 0 ? 0 : Number(work) / spanSeconds
}

export interface SeriesPoint {
  /** Unix seconds at the end of the bucket. */
  t: number
  hashrate: number
}

export interface AxisTick {
  value: number
  label: string
}

export interface HashrateSeries {
  from: number
  to: number
  bucketSeconds: number
  /** The cooperative's hashrate from share-chain work (trailing window), per point; none in the first moments of a cooperative. */
  cooperative: SeriesPoint[]
  /** This node's stratum hashrate (pseudo-shares), as sampled. */
  local: SeriesPoint[]
  /** Y axis ticks with their labels (the page does not format hashrates itself). */
  ticks: AxisTick[]
  max: number
}

/**
 * The chart's series: at each point, the share-chain work of a trailing window ending there,
 * divided by the window (at least `smoothSeconds`, so a handful of shares do not draw spikes; shorter
 * only near the cooperative's start). The range starts at the cooperative's creation when that is
 * more recent.
 */
export async function hashrateSeries(reader: ChainReader, nowSec: number, createdAt: number, minutes: number, points: number, local: readonly SeriesPoint[], smoothSeconds = 60): Promise<HashrateSeries> {
  const range = minutes * 60
  const from = Math.max(nowSec - range, Math.min(createdAt, nowSec - 1))
  // No more points than seconds in the range: every point lies within it, none in the future.
  const count = Math.max(1, Math.min(points, Math.floor(nowSec - from)))
  const bucketSeconds = (nowSec - from) / count
  const window = Math.max(bucketSeconds, smoothSeconds)
  const entries: ShareEntry[] = await reader.bestChain(MAX_SHARES_WALKED, (s) => s.chainTime >= from - window)
  const shares = entries.map((e) => ({ time: e.value.chainTime, work: BigInt(e.value.work) })).sort((a, b) => a.time - b.time)
  const cooperative: SeriesPoint[] = []
  let lo = 0
  let hi = 0
  let sum = 0n
  for (let i = 1; i <= count; i++) {
    const t = from + i * bucketSeconds
    while (hi < shares.length && (shares[hi] as { time: number }).time <= t) sum += (shares[hi++] as { work: bigint }).work
    while (lo < hi && (shares[lo] as { time: number }).time <= t - window) sum -= (shares[lo++] as { work: bigint }).work
    const span = Math.min(window, t - createdAt)
    // Too little time since the start for an estimate worth drawing: no point yet.
    if (span >= window / 6) cooperative.push({ t: Math.round(t), hashrate: hashrateOf(sum, span) })
  }
  const localInRange = local.filter((p) => p.t >= from && p.t <= nowSec)
  const max = Math.max(0, ...cooperative.map((p) => p.hashrate), ...localInRange.map((p) => p.hashrate))
  return { from, to: nowSec, bucketSeconds, cooperative, local: localInRange, ticks: axisTicks(max), max }
}

/** 0 and 3-6 round steps (1, 2 or 5 times a power of ten) reaching at least `max`. */
export function axisTicks(max: number): AxisTick[] {
  if (!(max > 0) || !Number.isFinite(max)) return [{ value: 0, label: formatHashrate(0) }]
  const rough = max / 4
  const power = 10 ** Math.floor(Math.log10(rough))
  const step = ([1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power) as number
  const ticks: AxisTick[] = []
  for (let v = 0; v < max + step; v += step) {
    ticks.push({ value: v, label: formatHashrate(v) })
    if (v >= max) break
  }
  return ticks
}

/** Keeps a bounded history of a sampled value (this node's stratum hashrate). */
export class Sampler {
  private readonly points: SeriesPoint[] = []

  constructor(private readonly capacity = 720) {}

  add(t: number, hashrate: number): void {
    this.points.push({ t, hashrate })
    if (this.points.length > this.capacity) this.points.shift()
  }

  get all(): readonly SeriesPoint[] {
    return this.points
  }
}
