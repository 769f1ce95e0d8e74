/**
 * Share accounting kept in memory for the node's API: counters by outcome and a hashrate estimate.
 * An accessor, not a logger: nothing here writes anywhere.
 */
import type { RejectReason, ShareCounters, SolutionKind } from './types.js'

const HASHES_PER_DIFF1 = 2 ** 32

/**
 * Hashrate from accepted difficulty: sum(difficulty) x 2^32 / seconds, over a sliding window of
 * per-bucket sums (default 10 minutes of 1-minute buckets), or over the meter's life when younger.
 */
export class HashrateMeter {
  private readonly buckets: { start: number; sum: number }[] = []

  constructor(
    private readonly startedAt: number,
    private readonly windowMs = 10 * 60_000,
    private readonly bucketMs = 60_000
  ) {}

  add(difficulty: number, now: number): void {
    const start = now - (now % this.bucketMs)
    const last = this.buckets[this.buckets.length - 1]
    if (last !== undefined && last.start === start) last.sum += difficulty
    else this.buckets.push({ start, sum: difficulty })
    this.prune(now)
  }

  hashesPerSecond(now: number): number {
    this.prune(now)
    const span = Math.min(this.windowMs, now - this.startedAt)
    if (span <= 0) return 0
    let sum = 0
    for (const b of this.buckets) sum += b.sum
    return (sum * HASHES_PER_DIFF1) / (span / 1000)
  }

  private prune(now: number): void {
    const oldest = now - this.windowMs
    while (this.buckets.length > 0 && (this.buckets[0] as { start: number }).start + this.bucketMs <= oldest) this.buckets.shift()
  }
}

export class Counters {
  private accepted = 0
  private readonly rejected: Partial<Record<RejectReason, number>> = {}
  private shares = 0
  private blocks = 0
  private acceptedDifficulty = 0
  private bestDifficulty = 0
  private lastShareAt: number | null = null
  private readonly meter: HashrateMeter

  constructor(startedAt: number) {
    this.meter = new HashrateMeter(startedAt)
  }

  get acceptedCount(): number {
    return this.accepted
  }

  accept(kind: SolutionKind, countedDifficulty: number, hashDifficulty: number, now: number): void {
    this.accepted += 1
    if (kind !== 'pseudo') this.shares += 1
    if (kind === 'block') this.blocks += 1
    this.acceptedDifficulty += countedDifficulty
    if (hashDifficulty > this.bestDifficulty) this.bestDifficulty = hashDifficulty
    this.lastShareAt = now
    this.meter.add(countedDifficulty, now)
  }

  reject(reason: RejectReason): void {
    this.rejected[reason] = (this.rejected[reason] ?? 0) + 1
  }

  snapshot(now: number): ShareCounters {
    return {
      accepted: this.accepted,
      rejected: { ...this.rejected },
      shares: this.shares,
      blocks: this.blocks,
      acceptedDifficulty: this.acceptedDifficulty,
      bestDifficulty: this.bestDifficulty,
      lastShareAt: this.lastShareAt,
      hashrate: this.meter.hashesPerSecond(now)
    }
  }
}
