/**
 * Sending one job to every session without blocking the event loop for long: sessions are served
 * in slices of about sliceMs, with a turn of the event loop (I/O, submits, timers) between slices.
 * The caller orders the sessions (most recently productive first, unproven last), so under load
 * the miners that matter get the job first. A newer job cancels the fan-out of an older one.
 */
export interface FanoutStats {
  sessions: number
  slices: number
  longestSliceMs: number
  totalMs: number
  /** False while it is still going (or when a newer job cancelled it). */
  finished: boolean
}

/** Sessions between two looks at the clock. */
const CHECK_EVERY = 16

export class Fanout<T> {
  readonly stats: FanoutStats
  private next = 0
  private cancelled = false
  private readonly startedAt: number

  constructor(
    private readonly targets: readonly T[],
    private readonly send: (target: T) => void,
    private readonly sliceMs: number,
    private readonly clock: () => number = () => performance.now()
  ) {
    this.startedAt = clock()
    this.stats = { sessions: targets.length, slices: 0, longestSliceMs: 0, totalMs: 0, finished: false }
  }

  /** Runs the first slice now; the rest follow on setImmediate. */
  start(): void {
    this.slice()
  }

  cancel(): void {
    this.cancelled = true
  }

  private slice(): void {
    if (this.cancelled) return
    const start = this.clock()
    const deadline = start + this.sliceMs
    const n = this.targets.length
    while (this.next < n) {
      this.send(this.targets[this.next++] as T)
      if (this.next % CHECK_EVERY === 0 && this.clock() >= deadline) break
    }
    const end = this.clock()
    this.stats.slices += 1
    this.stats.longestSliceMs = Math.max(this.stats.longestSliceMs, end - start)
    this.stats.totalMs = end - this.startedAt
    if (this.next < n) setImmediate(() => this.slice())
    else this.stats.finished = true
  }
}
