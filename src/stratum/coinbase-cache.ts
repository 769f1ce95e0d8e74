/**
 * Per-address coinbase halves, kept up to a byte budget across every job (least recently used
 * first out), not per job: with thousands of distinct addresses a count of jobs says nothing about
 * memory. What falls out is made again on demand (StratumJob.coinbaseFor is deterministic).
 */
import type { CoinbaseHalves } from './types.js'

/** Map entry and key overhead, roughly, on top of the coinbase bytes and hex. */
const ENTRY_OVERHEAD = 160
/** Over budget, the oldest entries go until this share of the budget is used. */
const EVICT_TO = 0.9

export class CoinbaseCache {
  private readonly entries = new Map<string, { halves: CoinbaseHalves; bytes: number }>()
  private bytes = 0

  constructor(private readonly budgetBytes: number) {}

  get(key: string): CoinbaseHalves | undefined {
    const entry = this.entries.get(key)
    if (entry === undefined) return undefined
    // Re-inserted: Map order is the recency order.
    this.entries.delete(key)
    this.entries.set(key, entry)
    return entry.halves
  }

  set(key: string, halves: CoinbaseHalves): void {
    const bytes = sizeOf(halves) + key.length + ENTRY_OVERHEAD
    const old = this.entries.get(key)
    if (old !== undefined) {
      this.entries.delete(key)
      this.bytes -= old.bytes
    }
    if (bytes > this.budgetBytes) return
    this.entries.set(key, { halves, bytes })
    this.bytes += bytes
    if (this.bytes > this.budgetBytes) this.evictDownTo(this.budgetBytes * EVICT_TO)
  }

  /**
   * Oldest first, down to `bytes`. In batches, not one entry per set: a Map keeps deleted slots
   * until it rehashes and every new iteration walks over them, so evicting one entry per insert
   * made each insert cost the number of entries dropped before it.
   */
  private evictDownTo(bytes: number): void {
    for (const [k, e] of this.entries) {
      if (this.bytes <= bytes) break
      this.entries.delete(k)
      this.bytes -= e.bytes
    }
  }

  get size(): number {
    return this.entries.size
  }

  get sizeBytes(): number {
    return this.bytes
  }
}

/** Bytes a halves object holds: its hex (one byte a digit in V8) when it carries it, else its bytes. */
function sizeOf(h: CoinbaseHalves): number {
  if (h.coinb2Hex !== undefined) return h.coinb1.length + h.coinb2Hex.length
  return h.coinb1.length + h.coinb2.length
}
