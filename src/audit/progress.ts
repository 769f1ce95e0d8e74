/**
 * A one-line progress bar with rate and ETA, redrawn in place on a terminal. It draws nothing when
 * the stream is not a TTY (a log file or a pipe gets no carriage-return noise) or when the work is
 * too small to be worth a bar.
 */
export interface ProgressStream {
  isTTY?: boolean
  columns?: number
  write(text: string): unknown
}

export interface ProgressOptions {
  /** Draw only for at least this many items (default 1000). */
  minTotal?: number
  /** Least time between redraws (default 100 ms). */
  intervalMs?: number
  /** Clock in ms (tests inject one). */
  now?: () => number
}

export class ProgressBar {
  private readonly enabled: boolean
  private readonly started: number
  private lastDraw = -Infinity
  private drawn = false
  private readonly now: () => number
  private readonly intervalMs: number

  constructor(
    private readonly stream: ProgressStream,
    private readonly label: string,
    private readonly total: number,
    opts: ProgressOptions = {}
  ) {
    this.now = opts.now ?? (() => performance.now())
    this.intervalMs = opts.intervalMs ?? 100
    this.enabled = stream.isTTY === true && total >= (opts.minTotal ?? 1000)
    this.started = this.now()
  }

  update(done: number): void {
    if (!this.enabled) return
    const t = this.now()
    if (t - this.lastDraw < this.intervalMs && done < this.total) return
    this.lastDraw = t
    this.drawn = true
    this.stream.write('\r' + this.line(done, t) + '\x1b[K')
  }

  /** Clears the bar (the report follows on a clean line). */
  finish(): void {
    if (this.drawn) this.stream.write('\r\x1b[K')
    this.drawn = false
  }

  /** The bar's text for `done` items at time `t`. */
  line(done: number, t: number): string {
    const fraction = this.total === 0 ? 1 : Math.min(1, done / this.total)
    const seconds = Math.max(1e-3, (t - this.started) / 1000)
    const rate = done / seconds
    const eta = rate > 0 ? (this.total - done) / rate : Infinity
    const width = Math.max(10, Math.min(30, (this.stream.columns ?? 80) - 70))
    const filled = Math.round(fraction * width)
    const bar = '#'.repeat(filled) + '.'.repeat(width - filled)
    return `${this.label} ${(fraction * 100).toFixed(0).padStart(3)}% [${bar}] ${done.toLocaleString('en-US')}/${this.total.toLocaleString('en-US')} ${Math.round(rate).toLocaleString('en-US')}/s ETA ${formatDuration(eta)}`
  }
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--'
  const s = Math.max(0, Math.round(seconds))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const sec = s % 60
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`
}
