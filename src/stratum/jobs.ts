/**
 * The jobs the server has handed out. Each job gets a short wire id; the notify params are encoded
 * once per job (and payout, when the job personalizes its coinbase) and shared by every session.
 * Old jobs stay (up to maxJobs) so a late block can still be recognized and a stale share told
 * apart from a made-up job id.
 */
import { toHex } from '../bitcoin/bytes.js'
import { stratumPrevHash, u32BigEndianHex } from '../bitcoin/stratum-encoding.js'
import { targetToDifficulty } from '../bitcoin/target.js'
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
  /** Coinbase halves by payout address ('' for the shared ones), kept while the job is live. */
  private readonly coinbases = new Map<string, CoinbaseHalves>()
  /**
   * Encoded notify params after the job id, by the same key. Only the current job is ever sent,
   * so a superseded job drops them: with a coinbase per address they are most of a job's memory.
   */
  private tails: Map<string, string> | null = new Map()

  constructor(
    readonly job: StratumJob,
    readonly wireId: string,
    /** The clean-jobs epoch it belongs to; an older epoch means stale. */
    readonly epoch: number,
    private readonly extranonceSize: number
  ) {
    // Sessions never mine above the share difficulty (no share is lost). Not capped by the block
    // difficulty: where blocks are easier than shares (regtest, testnet minimum-difficulty blocks)
    // that would flood the server with every other hash; there every share is still a block.
    this.maxDifficulty = targetToDifficulty(job.shareTarget)
    this.fieldsBefore = `${JSON.stringify(stratumPrevHash(job.prevHash))},`
    const branch = JSON.stringify(job.merkleBranch.map((h) => toHex(h)))
    this.fieldsAfter = `,${branch},"${u32BigEndianHex(job.version)}","${u32BigEndianHex(job.bits)}","${u32BigEndianHex(job.time)}",`
  }

  /** The coinbase halves for a connection mining for `payout` (null: the shared halves). */
  coinbaseFor(payout: Payout | null): CoinbaseHalves {
    const key = this.keyFor(payout)
    let halves = this.coinbases.get(key)
    if (halves === undefined) {
      halves = payout !== null && this.job.coinbaseFor !== undefined ? this.job.coinbaseFor(payout) : this.job
      if (key !== '') checkCoinbaseHalves(halves, this.extranonceSize, this.job.id)
      this.coinbases.set(key, halves)
    }
    return halves
  }

  /** The mining.notify line for `payout` under a wire id (normally the job's own). */
  notifyLine(wireId: string, payout: Payout | null, clean: boolean): string {
    const key = this.keyFor(payout)
    let tail = this.tails?.get(key)
    if (tail === undefined) {
      const halves = this.coinbaseFor(payout)
      tail = `${this.fieldsBefore}"${toHex(halves.coinb1)}","${toHex(halves.coinb2)}"${this.fieldsAfter}`
      this.tails?.set(key, tail)
    }
    return `{"id":null,"method":"mining.notify","params":["${wireId}",${tail}${clean ? 'true]}\n' : 'false]}\n'}`
  }

  /** Called when a newer job becomes current. */
  retire(): void {
    this.tails = null
  }

  /** Called when the book lets go of the job; sessions may still hold it, so it lets go of its data. */
  evict(): void {
    this.live = false
    this.seen = null
    this.tails = null
    this.coinbases.clear()
  }

  private keyFor(payout: Payout | null): string {
    return payout !== null && this.job.coinbaseFor !== undefined ? payout.address : ''
  }
}

export class JobBook {
  private readonly records: JobRecord[] = []
  private epoch = 0
  private sequence = 0

  constructor(
    private readonly maxJobs: number,
    private readonly extranonceSize: number
  ) {}

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
    const record = new JobRecord(job, this.mintWireId(), this.epoch, this.extranonceSize)
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
