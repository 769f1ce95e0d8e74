// Noticing dead and silent connections fast, and looking again for peers we lost.
//
// Why this exists (issue 16, measured on the loopback testnet with separate processes): after a
// peer is killed -9 and restarts with the same keys,
//   - the survivor's connection to the dead process stays "open" until UDX gives up (~13-15 s);
//   - the restarted node's first dial can "open" on its side (the Noise handshake goes through
//     the DHT) while the survivor never surfaces it: a silent connection that used to sit out the
//     whole 10 s handshake timeout;
//   - every such short-lived connection counts as a failed attempt in Hyperswarm, which stops
//     redialing a peer after 4 of them until a lookup of the topic finds it again (every ~10 min):
//     the two nodes stayed apart for minutes.
// So: a short keepalive with a dead-peer timeout, a silent-connection bound well under the
// handshake timeout, and a rediscovery loop that re-runs the topic lookup (with backoff) while a
// peer we had is missing; a lookup that finds a peer resets Hyperswarm's attempt count.

export interface LivenessOptions {
  /** Send a keepalive when idle this long (ms). Both ends run it, so each hears from the other. */
  keepAliveMs: number
  /** Drop a connection on which nothing arrived for this long (ms): the peer is gone. */
  deadAfterMs: number
  /** Drop a connection that received no byte at all this long after opening (ms). */
  silentAfterMs: number
  /** First and largest delay between topic lookups while a known peer is missing (ms). */
  rediscoverMinMs: number
  rediscoverMaxMs: number
}

export const DEFAULT_LIVENESS: LivenessOptions = {
  keepAliveMs: 2_000,
  deadAfterMs: 8_000,
  silentAfterMs: 4_000,
  rediscoverMinMs: 1_000,
  rediscoverMaxMs: 30_000
}

/**
 * Re-runs `refresh` (the topic lookup) while any peer we were joined with is missing: first after
 * rediscoverMinMs, doubling up to rediscoverMaxMs; stops once every lost peer is back (or forgotten).
 */
export class Rediscovery {
  private readonly missing = new Set<string>()
  private delay: number
  private timer: NodeJS.Timeout | null = null
  private closed = false

  constructor(
    private readonly refresh: () => Promise<void>,
    private readonly opts: Pick<LivenessOptions, 'rediscoverMinMs' | 'rediscoverMaxMs'>,
    private readonly onError: (err: unknown) => void
  ) {
    this.delay = opts.rediscoverMinMs
  }

  /** How many peers we had and are looking for. */
  get missingCount(): number {
    return this.missing.size
  }

  lost(id: string): void {
    if (this.closed) return
    this.missing.add(id)
    this.schedule()
  }

  found(id: string): void {
    this.missing.delete(id)
    if (this.missing.size > 0) return
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    this.delay = this.opts.rediscoverMinMs
  }

  close(): void {
    this.closed = true
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
  }

  private schedule(): void {
    if (this.timer !== null || this.closed || this.missing.size === 0) return
    this.timer = setTimeout(() => {
      this.timer = null
      if (this.closed || this.missing.size === 0) return
      this.delay = Math.min(this.delay * 2, this.opts.rediscoverMaxMs)
      this.refresh().then(
        () => this.schedule(),
        (err: unknown) => {
          this.onError(err)
          this.schedule()
        }
      )
    }, this.delay)
    this.timer.unref()
  }
}
