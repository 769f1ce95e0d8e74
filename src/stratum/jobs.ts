/**
 * The jobs the server has handed out. Each job gets a short wire id; the notify params are encoded
 * once per job and shared by every session, or, when the job personalizes its coinbase, per
 * address on the first notify that needs it (halves kept in a byte-bounded cache, see
 * coinbase-cache.ts).
 * Old jobs stay (up to maxJobs) so a late block can still be recognized and a stale share told
 * apart from a made-up job id.
 */
import { toHex } from '../bitcoin/bytes.js'
import { stratumPrevHash, u32BigEndianHex } from '../bitcoin/stratum-encoding.js'
import { targetToDifficulty } from '../bitcoin/target.js'
import { CoinbaseCache } from './coinbase-cache.js'
import { checkCoinbaseHalves, checkJob } from './job-check.js'
import type { CoinbaseHalves, Payout, StratumJob } from './types.js'

export class JobRecord {
  /** Hashes of accepted solutions, for duplicate detection; dropped once the job is stale. */
  seen: Set<bigint> | null = new Set()
  /** False once evicted from the book: submits to it are "job not found". */
  live = true
  /** The most a session may be told on this job: the share difficulty (see the constructor). */
  readonly maxDifficulty: number
  private readonly fieldsBefore: string
  private readonly fieldsAfter: string
  /** The notify params after the job id for the shared coinbase; dropped once superseded. */
  private sharedTail: string | null = null
  private retired = false
  /** Per-address halves were checked once on this job (the work layer derives the rest alike). */
  private perAddressChecked = false

  constructor(
    readonly job: StratumJob,
    readonly wireId: string,
    /** The clean-jobs epoch it belongs to; an older epoch means stale. */
    readonly epoch: number,
    private readonly extranonceSize: number,
    private readonly cache: CoinbaseCache
  ) {
    // Sessions never mine above the share difficulty (no share is lost). Not capped by the block
    // difficulty: where blocks are easier than shares (regtest, testnet minimum-difficulty blocks)
    // that would flood the server with every other hash; there every share is still a block.
    this.maxDifficulty = targetToDifficulty(job.shareTarget)
    this.fieldsBefore = `${JSON.stringify(stratumPrevHash(job.prevHash))},`
    const branch = JSON.stringify(job.merkleBranch.map((h) => toHex(h)))
    this.fieldsAfter = `,${branch},"${u32BigEndianHex(job.version)}","${u32BigEndianHex(job.bits)}","${u32BigEndianHex(job.time)}",`
  }

  /** True when each payout address gets its own coinbase on this job. */
  get perAddress(): boolean {
    return this.job.coinbaseFor !== undefined
  }

  /**
   * The coinbase halves for a connection mining for `payout` (null: the shared halves). Per-address
   * halves are made on first need and kept in the server's byte-bounded cache, made again after.
   */
  coinbaseFor(payout: Payout | null): CoinbaseHalves {
    const derive = this.job.coinbaseFor
    if (payout === null || derive === undefined) return this.job
    if (!this.live) throw new Error(`job ${this.job.id} is no longer kept`)
    // The limit is in the key: two connections of one address may run firmware of two classes.
    const key = `${this.wireId}:${payout.address}:${payout.coinbaseLimit ?? 'full'}`
    let halves = this.cache.get(key)
    if (halves === undefined) {
      halves = derive(payout)
      if (!this.perAddressChecked) {
        checkCoinbaseHalves(halves, this.extranonceSize, this.job.id)
        this.perAddressChecked = true
      }
      this.cache.set(key, halves)
    }
    return halves
  }

  /** The mining.notify line for `payout` under a wire id (normally the job's own). */
  notifyLine(wireId: string, payout: Payout | null, clean: boolean): string {
    let tail: string
    if (payout !== null && this.perAddress) {
      tail = this.tailOf(this.coinbaseFor(payout))
    } else {
      tail = this.sharedTail ?? this.tailOf(this.job)
      if (!this.retired) this.sharedTail = tail
    }
    return `{"id":null,"method":"mining.notify","params":["${wireId}",${tail}${clean ? 'true]}\n' : 'false]}\n'}`
  }

  /** Called when a newer job becomes current. */
  retire(): void {
    this.retired = true
    this.sharedTail = null
  }

  /** Called when the book lets go of the job; sessions may still hold it, so it lets go of its data. */
  evict(): void {
    this.live = false
    this.seen = null
    this.retire()
  }

  private tailOf(halves: CoinbaseHalves): string {
    return `${this.fieldsBefore}"${halves.coinb1Hex ?? toHex(halves.coinb1)}","${halves.coinb2Hex ?? toHex(halves.coinb2)}"${this.fieldsAfter}`
  }
}

export class JobBook {
  private readonly records: JobRecord[] = []
  private epoch = 0
  private sequence = 0

  private readonly cache: CoinbaseCache

  constructor(
    private readonly maxJobs: number,
    private readonly extranonceSize: number,
    /** Budget for per-address coinbase halves across all jobs. */
    coinbaseCacheBytes = 32 * 2 ** 20
  ) {
    this.cache = new CoinbaseCache(coinbaseCacheBytes)
  }

  /** Per-address coinbases kept: entries and bytes (for /api/status). */
  get cacheStats(): { entries: number; bytes: number } {
    return { entries: this.cache.size, bytes: this.cache.sizeBytes }
  }

  get current(): JobRecord | null {
    return this.records[this.records.length - 1] ?? null
  }

  get size(): number {
    return this.records.length
  }

  /** Checks and records a job; a clean job makes every earlier one stale. */
  add(job: StratumJob): JobRecord {
    checkJob(job, this.extranonceSize)
    if (job.cleanJobs || this.records.length === 0) {
      this.epoch += 1
      for (const r of this.records) r.seen = null // stale jobs never reach the duplicate check
    }
    const record = new JobRecord(job, this.mintWireId(), this.epoch, this.extranonceSize, this.cache)
    this.current?.retire()
    this.records.push(record)
    while (this.records.length > this.maxJobs) {
      this.records.shift()?.evict()
    }
    return record
  }

  isStale(record: JobRecord): boolean {
    return record.epoch !== this.epoch
  }

  /** Wire ids are short hex counters, unique for the server's life. */
  private mintWireId(): string {
    this.sequence += 1
    return this.sequence.toString(16)
  }
}
