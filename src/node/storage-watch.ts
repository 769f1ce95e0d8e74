import { join } from 'node:path'
import { writeFileAtomic } from '../fs/write-atomic.js'

/**
 * The data dir's disk, watched. A node whose disk is full, read-only or failing must stop, loudly,
 * rather than limp on: every share it would answer could not be stored, every block it finds could
 * not be recorded, and a supervisor (systemd, a container runtime) only restarts or alerts on a
 * process that exits. Two signals: any storage error the node meets on its way (a failed append,
 * reported here), and a small write into the data dir every `intervalMs`, which also catches a disk
 * that died while nothing was being written.
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

export interface StorageWatchOptions {
  dataDir: string
  /** Between two probe writes; default 10 s. */
  intervalMs?: number
  /** Called once, with what failed. */
  onFailure: (reason: string) => void
}

export class StorageWatch {
  private timer: NodeJS.Timeout | null = null
  private failedWith: string | null = null
  private probing = false

  constructor(private readonly opts: StorageWatchOptions) {}

  start(): void {
    this.timer ??= setInterval(() => void this.probe(), this.opts.intervalMs ?? 10_000)
    this.timer.unref()
  }

  get failure(): string | null {
    return this.failedWith
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
    } catch (err) {
      this.fail(storageFailure(err) ?? `cannot write into the data dir ${this.opts.dataDir}: ${err instanceof Error ? err.message : String(err)}`)
    } finally {
      this.probing = false
    }
  }

  close(): void {
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
  }

  private fail(reason: string): void {
    if (this.failedWith !== null) return
    this.failedWith = reason
    this.close()
    this.opts.onFailure(reason)
  }
}
