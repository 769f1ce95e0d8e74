/**
 * extranonce1 allocation: a counter (from a random start, so restarted or sibling nodes do not hand
 * out the same sequence) that skips values held by live sessions. Unlike 4 random bytes
 * (public-pool), two live sessions can never share one, so they never search the same space.
 */
import { randomBytes } from 'node:crypto'

export class ExtranonceAllocator {
  private readonly inUse = new Set<string>()
  private readonly space: bigint
  private next: bigint

  constructor(
    readonly size: number,
    start: bigint | null = null
  ) {
    this.space = 1n << BigInt(8 * size)
    this.next = start ?? BigInt('0x' + randomBytes(size).toString('hex'))
  }

  get liveCount(): number {
    return this.inUse.size
  }

  /**
   * A fresh extranonce1 as hex. `wanted` (a miner resuming its session) is honoured when it has the
   * right length and no live session holds it. Throws when every value is taken.
   */
  allocate(wanted?: string): string {
    if (wanted !== undefined) {
      const hex = wanted.toLowerCase()
      if (hex.length === this.size * 2 && /^[0-9a-f]+$/.test(hex) && !this.inUse.has(hex)) return this.take(hex)
    }
    if (BigInt(this.inUse.size) >= this.space) throw new Error('every extranonce1 value is in use')
    for (;;) {
      const hex = this.next.toString(16).padStart(this.size * 2, '0')
      this.next = (this.next + 1n) % this.space
      if (!this.inUse.has(hex)) return this.take(hex)
    }
  }

  release(hex: string): void {
    this.inUse.delete(hex)
  }

  private take(hex: string): string {
    this.inUse.add(hex)
    return hex
  }
}
