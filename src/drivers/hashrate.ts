/**
 * Hashrate over a sliding window of (time, running total) samples: steady enough to print, quick to
 * follow a change (an idle driver reads 0 once the window has passed).
 */
export class RateMeter {
  private readonly samples: { at: number; total: number }[] = []

  constructor(private readonly windowMs = 10_000) {}

  /** Records the running total at time `at` (ms, monotonic). */
  record(total: number, at: number): void {
    this.samples.push({ at, total })
    // Keep one sample older than the window, so the rate always spans the whole window.
    while (this.samples.length > 2 && at - (this.samples[1] as { at: number }).at >= this.windowMs) this.samples.shift()
  }

  /** Per second over the samples held; 0 before there are two. */
  rate(): number {
    const first = this.samples[0]
    const last = this.samples[this.samples.length - 1]
    if (first === undefined || last === undefined || last.at <= first.at) return 0
    return ((last.total - first.total) * 1000) / (last.at - first.at)
  }
}

const UNITS = ['H/s', 'kH/s', 'MH/s', 'GH/s', 'TH/s', 'PH/s', 'EH/s', 'ZH/s']

/** "812.35 kH/s": three significant figures or more, SI steps of 1000. */
export function formatHashrate(hashesPerSecond: number): string {
  if (!Number.isFinite(hashesPerSecond) || hashesPerSecond <= 0) return '0 H/s'
  let value = hashesPerSecond
  let unit = 0
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000
    unit += 1
  }
  return `${value.toFixed(value >= 100 ? 1 : 2)} ${UNITS[unit] as string}`
}
