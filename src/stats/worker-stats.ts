/**
 * The node's per-worker accounting service: a WorkerBook fed by stratum's submit outcomes, saved in
 * the data dir every saveIntervalMs and on close, loaded at start. It tells listeners about every
 * outcome (the live dashboard, the alerts) and never throws into the stratum path.
 */
import { EventEmitter } from 'node:events'
import type { SubmitOutcome } from '../stratum/types.js'
import { loadBook, serializeBook, writeBookText } from './persist.js'
import { DEFAULT_MAX_WORKERS, WorkerBook, type WorkerRecord } from './worker-book.js'

export interface WorkerStatsLogger {
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
}

export interface WorkerStatsOptions {
  dataDir: string
  /** Default 60 s. */
  saveIntervalMs?: number
  maxWorkers?: number
  logger?: WorkerStatsLogger
}

export interface WorkerStatsEvents {
  outcome: [record: WorkerRecord, outcome: SubmitOutcome]
  'block-reset': [blocks: number]
}

const SILENT: WorkerStatsLogger = { info() {}, warn() {} }

export class WorkerStats extends EventEmitter<WorkerStatsEvents> {
  readonly book: WorkerBook
  private blocksSeen: number | null = null
  private timer: NodeJS.Timeout | null = null
  private saving: Promise<void> = Promise.resolve()
  private dirty = false
  private closed = false

  private constructor(
    private readonly opts: WorkerStatsOptions,
    private readonly log: WorkerStatsLogger
  ) {
    super()
    this.book = new WorkerBook(opts.maxWorkers ?? DEFAULT_MAX_WORKERS)
  }

  static async open(opts: WorkerStatsOptions): Promise<WorkerStats> {
    const log = opts.logger ?? SILENT
    const stats = new WorkerStats(opts, log)
    try {
      const saved = await loadBook(opts.dataDir)
      if (saved !== null) {
        stats.book.load(saved.workers, saved.addresses)
        stats.blocksSeen = saved.blocksSeen
        log.info({ workers: stats.book.size }, `worker stats loaded: ${stats.book.size} workers`)
      }
    } catch (err) {
      log.warn({ err: err instanceof Error ? err.message : String(err) }, err instanceof Error ? err.message : String(err))
    }
    stats.timer = setInterval(() => void stats.save(), opts.saveIntervalMs ?? 60_000)
    stats.timer.unref()
    return stats
  }

  /** stratum's onOutcome. */
  record(outcome: SubmitOutcome): void {
    if (this.closed) return
    const record = this.book.record(outcome)
    this.dirty = true
    this.emit('outcome', record, outcome)
  }

  /**
   * The share-chain's count of found blocks: when it grows, the bests "since the last block" start
   * over. The first count seen after a fresh start only sets the mark.
   */
  syncBlocks(blocks: number): void {
    if (this.blocksSeen !== null && blocks > this.blocksSeen) {
      this.book.blockFound()
      this.dirty = true
      this.emit('block-reset', blocks)
    }
    if (blocks !== this.blocksSeen) this.dirty = true
    this.blocksSeen = blocks
  }

  /** Writes the book when it changed; one write at a time, failures logged. */
  save(now = Date.now()): Promise<void> {
    if (!this.dirty) return this.saving
    this.dirty = false
    this.book.prune(now)
    const text = serializeBook({ workers: this.book.allWorkers(), addresses: this.book.allAddresses(), blocksSeen: this.blocksSeen })
    this.saving = this.saving
      .then(() => writeBookText(this.opts.dataDir, text))
      .catch((err: unknown) => {
        this.dirty = true
        this.log.warn({ err: err instanceof Error ? err.message : String(err) }, `saving worker stats failed: ${err instanceof Error ? err.message : String(err)}`)
      })
    return this.saving
  }

  async close(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
    await this.save()
    this.closed = true
  }
}
