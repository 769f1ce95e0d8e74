/**
 * Per-worker accounting on this node (not consensus): what each worker of each payout address
 * submitted here, kept across sessions and restarts (see persist.ts).
 *
 * Hashrate comes from pseudo-shares: every accepted submission counted at the session difficulty
 * D proves about D x 2^32 hashes. Sums are kept per minute for the last hour and per 10 minutes
 * for the last 24 h (204 buckets at most, ~12 KB for a worker busy all day): the 10 min and 1 h
 * estimates read the minutes, the 24 h one and the 24 h chart the 10-minute buckets. Best shares (the highest hash
 * difficulty of an accepted submission) are kept per worker and per address, all-time and since
 * the cooperative's last block.
 *
 * Bounded: at most maxWorkers worker records (the least recently active goes first) and 204
 * buckets each; a client cannot grow this with made-up names because stratum reports only
 * authorized workers, whose addresses are real.
 */
import type { RejectReason, SolutionKind, SubmitOutcome } from '../stratum/types.js'

export const MINUTE_MS = 60_000
export const TEN_MINUTES_MS = 10 * MINUTE_MS
export const HOUR_MS = 60 * MINUTE_MS
export const DAY_MS = 24 * HOUR_MS
const HASHES_PER_DIFF1 = 2 ** 32
export const DEFAULT_MAX_WORKERS = 5_000

export interface BestShare {
  difficulty: number
  /** ms since the epoch. */
  at: number
  worker: string
}

export interface MinuteBucket {
  /** Start of the bucket (a minute, or ten), ms. */
  minute: number
  /** Sum of the difficulty accepted submissions counted at. */
  difficulty: number
  /** Best hash difficulty in the minute. */
  best: number
}

export interface WorkerRecord {
  address: string
  worker: string
  firstSeenAt: number
  accepted: number
  rejected: number
  stale: number
  /** Accepted submissions that met the share target (blocks included). */
  shares: number
  blocks: number
  rejectedBy: Partial<Record<RejectReason, number>>
  /** The session difficulty of its last submission. */
  difficulty: number
  lastShareAt: number | null
  lastSeenAt: number
  bestAllTime: BestShare | null
  bestSinceBlock: BestShare | null
  /** One-minute buckets, the last hour. */
  minutes: MinuteBucket[]
  /** Ten-minute buckets, the last 24 h. */
  tens: MinuteBucket[]
}

export interface AddressRecord {
  address: string
  bestAllTime: BestShare | null
  bestSinceBlock: BestShare | null
}

export interface HashrateWindows {
  '10m': number
  '1h': number
  '24h': number
}

export const WINDOWS_MS: Record<keyof HashrateWindows, number> = { '10m': 10 * MINUTE_MS, '1h': 60 * MINUTE_MS, '24h': DAY_MS }

export function workerKey(address: string, worker: string): string {
  return `${address}\u0000${worker}`
}

function better(current: BestShare | null, difficulty: number, at: number, worker: string): BestShare | null {
  return current === null || difficulty > current.difficulty ? { difficulty, at, worker } : current
}

export class WorkerBook {
  private readonly workers = new Map<string, WorkerRecord>()
  private readonly addresses = new Map<string, AddressRecord>()

  constructor(private readonly maxWorkers = DEFAULT_MAX_WORKERS) {}

  get size(): number {
    return this.workers.size
  }

  record(o: SubmitOutcome): WorkerRecord {
    const w = this.touch(o.address, o.worker, o.at)
    w.difficulty = o.difficulty
    if (!o.accepted) {
      w.rejected += 1
      if (o.reason === 'stale') w.stale += 1
      w.rejectedBy[o.reason] = (w.rejectedBy[o.reason] ?? 0) + 1
      return w
    }
    this.accept(w, o.kind, o.difficulty, o.hashDifficulty, o.at)
    if (o.stale) w.stale += 1
    return w
  }

  /** The cooperative found a block: "since the last block" starts over for everyone. */
  blockFound(): void {
    for (const w of this.workers.values()) w.bestSinceBlock = null
    for (const a of this.addresses.values()) a.bestSinceBlock = null
  }

  worker(address: string, worker: string): WorkerRecord | undefined {
    return this.workers.get(workerKey(address, worker))
  }

  workersOf(address: string): WorkerRecord[] {
    return [...this.workers.values()].filter((w) => w.address === address).sort((a, b) => a.worker.localeCompare(b.worker))
  }

  allWorkers(): WorkerRecord[] {
    return [...this.workers.values()]
  }

  address(address: string): AddressRecord | undefined {
    return this.addresses.get(address)
  }

  allAddresses(): AddressRecord[] {
    return [...this.addresses.values()]
  }

  /**
   * Hashes per second over the window ending now (at most 24 h); a younger record is judged over
   * its own life. Windows up to an hour read the minutes, longer ones the ten-minute buckets.
   */
  static hashrate(w: WorkerRecord, windowMs: number, now: number): number {
    const from = now - windowMs
    const span = now - Math.max(from, w.firstSeenAt)
    if (span <= 0) return 0
    const [buckets, size] = windowMs <= HOUR_MS ? [w.minutes, MINUTE_MS] : [w.tens, TEN_MINUTES_MS]
    let sum = 0
    for (const b of buckets) if (b.minute + size > from && b.minute <= now) sum += b.difficulty
    // Never divide by less than a minute: one lucky share right after connecting is no hashrate.
    return (sum * HASHES_PER_DIFF1) / (Math.max(span, MINUTE_MS) / 1000)
  }

  static hashrates(w: WorkerRecord, now: number): HashrateWindows {
    return { '10m': WorkerBook.hashrate(w, WINDOWS_MS['10m'], now), '1h': WorkerBook.hashrate(w, WINDOWS_MS['1h'], now), '24h': WorkerBook.hashrate(w, WINDOWS_MS['24h'], now) }
  }

  /** Drops buckets past their span (called before saving). */
  prune(now: number): void {
    for (const w of this.workers.values()) {
      dropBefore(w.minutes, now - HOUR_MS, MINUTE_MS)
      dropBefore(w.tens, now - DAY_MS, TEN_MINUTES_MS)
    }
  }

  /** Restores records (persist.ts checked their shape). */
  load(workers: readonly WorkerRecord[], addresses: readonly AddressRecord[]): void {
    this.workers.clear()
    this.addresses.clear()
    const newestLast = [...workers].sort((a, b) => a.lastSeenAt - b.lastSeenAt).slice(-this.maxWorkers)
    for (const w of newestLast) this.workers.set(workerKey(w.address, w.worker), w)
    for (const a of addresses) this.addresses.set(a.address, a)
  }

  private accept(w: WorkerRecord, kind: SolutionKind, difficulty: number, hashDifficulty: number, at: number): void {
    w.accepted += 1
    if (kind !== 'pseudo') w.shares += 1
    if (kind === 'block') w.blocks += 1
    w.lastShareAt = at
    w.bestAllTime = better(w.bestAllTime, hashDifficulty, at, w.worker)
    w.bestSinceBlock = better(w.bestSinceBlock, hashDifficulty, at, w.worker)
    const a = this.addressRecord(w.address)
    a.bestAllTime = better(a.bestAllTime, hashDifficulty, at, w.worker)
    a.bestSinceBlock = better(a.bestSinceBlock, hashDifficulty, at, w.worker)
    addToBuckets(w.minutes, MINUTE_MS, 60, at, difficulty, hashDifficulty)
    addToBuckets(w.tens, TEN_MINUTES_MS, 24 * 6, at, difficulty, hashDifficulty)
  }

  private touch(address: string, worker: string, at: number): WorkerRecord {
    const key = workerKey(address, worker)
    let w = this.workers.get(key)
    if (w === undefined) {
      w = { address, worker, firstSeenAt: at, accepted: 0, rejected: 0, stale: 0, shares: 0, blocks: 0, rejectedBy: {}, difficulty: 0, lastShareAt: null, lastSeenAt: at, bestAllTime: null, bestSinceBlock: null, minutes: [], tens: [] }
      this.workers.set(key, w)
      this.evictIfFull()
    } else {
      // Map order doubles as recency order: re-inserting moves the record to the end.
      this.workers.delete(key)
      this.workers.set(key, w)
    }
    w.lastSeenAt = at
    return w
  }

  private addressRecord(address: string): AddressRecord {
    let a = this.addresses.get(address)
    if (a === undefined) {
      a = { address, bestAllTime: null, bestSinceBlock: null }
      this.addresses.set(address, a)
    }
    return a
  }

  private evictIfFull(): void {
    while (this.workers.size > this.maxWorkers) {
      const oldest = this.workers.keys().next().value as string
      const gone = this.workers.get(oldest) as WorkerRecord
      this.workers.delete(oldest)
      if (!this.allWorkers().some((w) => w.address === gone.address)) this.addresses.delete(gone.address)
    }
  }
}

/**
 * Adds to the bucket of `at`, opening one when needed and keeping at most `keep`. A submission
 * older than the newest bucket (a clock step back) counts in the totals, not in the buckets.
 */
function addToBuckets(buckets: MinuteBucket[], size: number, keep: number, at: number, difficulty: number, hashDifficulty: number): void {
  const start = at - (at % size)
  const last = buckets[buckets.length - 1]
  if (last !== undefined && last.minute === start) {
    last.difficulty += difficulty
    if (hashDifficulty > last.best) last.best = hashDifficulty
  } else if (last === undefined || last.minute < start) {
    buckets.push({ minute: start, difficulty, best: hashDifficulty })
    if (buckets.length > keep) buckets.shift()
  }
}

function dropBefore(buckets: MinuteBucket[], oldest: number, size: number): void {
  let cut = 0
  while (cut < buckets.length && (buckets[cut] as MinuteBucket).minute + size <= oldest) cut += 1
  if (cut > 0) buckets.splice(0, cut)
}
