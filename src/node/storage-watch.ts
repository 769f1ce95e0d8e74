import { statfs } from 'node:fs/promises'
import { join } from 'node:path'
import { STORE_WRITE_BUFFER_BYTES } from '../coop/store.js'
import { writeFileAtomic } from '../fs/write-atomic.js'

/**
 * The data dir's disk, watched. A node whose disk is full, read-only or failing must stop, loudly,
 * rather than limp on: every share it would answer could not be stored, every block it finds could
 * not be recorded, and a supervisor (systemd, a container runtime) only restarts or alerts on a
 * process that exits. Two signals: any storage error the node meets on its way (a failed append,
 * reported here), and a small write into the data dir every `intervalMs`, which also catches a disk
 * that died while nothing was being written. Each probe also reads the free space, so the operator
 * is warned while there is still a day of shares' room, not only when the node stops.
 */
const FAILURE_CODES = new Set(['ENOSPC', 'EIO', 'EROFS', 'EDQUOT'])
/** How RocksDB (the share-chain store) words the same errors: it throws without a code. */
const FAILURE_TEXT = /no space left on device|read-only file system|input\/output error|disk quota exceeded/i
const PROBE_FILE = '.write-probe'

/** The storage failure `err` stands for (its code and message), or null for any other error. */
export function storageFailure(err: unknown): string | null {
  let e: unknown = err
  for (let depth = 0; e instanceof Error && depth < 4; depth++) {
    const code = (e as NodeJS.ErrnoException).code
    if (code !== undefined && FAILURE_CODES.has(code)) return e.message.includes(code) ? e.message : `${code}: ${e.message}`
    if (FAILURE_TEXT.test(e.message)) return e.message
    e = e.cause
  }
  return null
}

/**
 * Disk per share on a node's store, measured (`npm run bench store`: ~4 kB of tables per share,
 * most of it the view's five index entries), rounded up.
 */
export const STORE_BYTES_PER_SHARE = 5_000

/** Free space that holds a day of the cooperative's shares (every node stores every share) and the store's write-ahead log. */
export function dayOfSharesBytes(shareIntervalSeconds: number): number {
  return Math.ceil(86_400 / shareIntervalSeconds) * STORE_BYTES_PER_SHARE + STORE_WRITE_BUFFER_BYTES
}

/** What a probe saw of the disk, for /api/status and /metrics. */
export interface StorageStatus {
  /** What failed, once the disk failed (the node then stops). */
  failure: string | null
  /** Bytes an unprivileged writer can still use on the data dir's filesystem (null: not read yet). */
  freeBytes: number | null
  /** Below this the node warns: a day of shares at the cooperative's share rate. */
  lowSpaceBytes: number
  low: boolean
}

export interface StorageWatchOptions {
  dataDir: string
  /** Between two probe writes; default 10 s. */
  intervalMs?: number
  /** Warn below this much free space (default 0: never). */
  lowSpaceBytes?: number
  /** Called once, with what failed. */
  onFailure: (reason: string) => void
  /** Free space fell below lowSpaceBytes (called again only after it rose above it). */
  onLowSpace?: (freeBytes: number, lowSpaceBytes: number) => void
  /** Free space is back above lowSpaceBytes. */
  onSpaceBack?: (freeBytes: number) => void
  /** Reads the free space (tests inject one); default statfs of the data dir. */
  freeSpace?: (dir: string) => Promise<number>
}

async function statfsFreeBytes(dir: string): Promise<number> {
  const s = await statfs(dir)
  return s.bavail * s.bsize
}

export class StorageWatch {
  private timer: NodeJS.Timeout | null = null
  private failedWith: string | null = null
  private probing = false
  private freeBytes: number | null = null
  private low = false

  constructor(private readonly opts: StorageWatchOptions) {}

  start(): void {
    if (this.timer !== null) return
    this.timer = setInterval(() => void this.probe(), this.opts.intervalMs ?? 10_000)
    this.timer.unref()
    void this.probe() // the free space is known (and a low disk said) from the start
  }

  get failure(): string | null {
    return this.failedWith
  }

  status(): StorageStatus {
    return { failure: this.failedWith, freeBytes: this.freeBytes, lowSpaceBytes: this.opts.lowSpaceBytes ?? 0, low: this.low }
  }

  /** An error met elsewhere (an append, a file save): true when it was a storage failure, now reported. */
  report(err: unknown): boolean {
    const why = storageFailure(err)
    if (why !== null) this.fail(why)
    return why !== null
  }

  /** Writes the probe file; any failure to write into the data dir is a storage failure. */
  async probe(): Promise<void> {
    if (this.probing || this.failedWith !== null) return
    this.probing = true
    try {
      await writeFileAtomic(join(this.opts.dataDir, PROBE_FILE), `${Date.now()}\n`)
      await this.readFreeSpace()
    } catch (err) {
      this.fail(storageFailure(err) ?? `cannot write into the data dir ${this.opts.dataDir}: ${err instanceof Error ? err.message : String(err)}`)
    } finally {
      this.probing = false
    }
  }

  private async readFreeSpace(): Promise<void> {
    let free: number
    try {
      free = await (this.opts.freeSpace ?? statfsFreeBytes)(this.opts.dataDir)
    } catch {
      return // a filesystem without statfs: the probe write above still catches a full disk
    }
    this.freeBytes = free
    const threshold = this.opts.lowSpaceBytes ?? 0
    if (!this.low && free < threshold) {
      this.low = true
      this.opts.onLowSpace?.(free, threshold)
    } else if (this.low && free >= threshold) {
      this.low = false
      this.opts.onSpaceBack?.(free)
    }
  }

  close(): void {
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
  }

  /** A failure the node found by other means (the share-chain store closed itself). */
  fail(reason: string): void {
    if (this.failedWith !== null) return
    this.failedWith = reason
    this.close()
    this.opts.onFailure(reason)
  }
}
