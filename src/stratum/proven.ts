/**
 * Payout addresses that have shown work on this node: an accepted solution worth at least the
 * proof difficulty in total (pseudo-shares count, so a small miner proves itself in seconds at a
 * low session difficulty). Every session mining for a proven address is proven. Bounded: the
 * addresses proven longest ago are forgotten first (they prove themselves again).
 */
export class ProvenAddresses {
  /** Address -> when it last had an accepted solution (Map order: oldest first). */
  private readonly proven = new Map<string, number>()
  /** Difficulty proved so far by addresses not yet proven. */
  private readonly progress = new Map<string, number>()

  constructor(
    private readonly proofDifficulty: number,
    private readonly capacity = 200_000
  ) {}

  has(address: string): boolean {
    return this.proven.has(address)
  }

  lastSolutionAt(address: string): number | undefined {
    return this.proven.get(address)
  }

  /** Records an accepted solution; true when this made the address proven. */
  credit(address: string, difficulty: number, now: number): boolean {
    const was = this.proven.has(address)
    if (!was) {
      const total = (this.progress.get(address) ?? 0) + difficulty
      if (total < this.proofDifficulty) {
        if (this.progress.size >= this.capacity) this.progress.clear()
        this.progress.set(address, total)
        return false
      }
      this.progress.delete(address)
    }
    this.proven.delete(address)
    this.proven.set(address, now)
    if (this.proven.size > this.capacity) this.proven.delete(this.proven.keys().next().value as string)
    return !was
  }

  get size(): number {
    return this.proven.size
  }
}
