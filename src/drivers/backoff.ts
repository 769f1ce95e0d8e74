/** Reconnect delays that double from `initialMs` up to `maxMs`, back to the start on reset(). */
export class Backoff {
  private attempts = 0

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number
  ) {
    if (!(initialMs >= 0) || !(maxMs >= initialMs)) throw new RangeError(`backoff needs 0 <= initial (${initialMs}) <= max (${maxMs})`)
  }

  next(): number {
    const delay = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.attempts, 30))
    this.attempts += 1
    return delay
  }

  reset(): void {
    this.attempts = 0
  }
}
