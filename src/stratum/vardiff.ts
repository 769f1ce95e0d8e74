/**
 * Variable difficulty for one connection: aims at one share per targetShareIntervalMs.
 *
 * Shares are weighted by the difficulty they counted at, so a window that spans a difficulty change
 * still measures hashrate. The ideal difficulty is (difficulty-weighted shares per ms) x the target
 * interval. It is judged when the window holds retargetShares shares (enough evidence: change if
 * outside the dead band, then start a new window) and every retargetMs of window age (change only
 * when outside the dead band; otherwise the window keeps growing, up to 4 x retargetMs, so that a
 * handful of Poisson-noisy shares does not make the difficulty wander). A change goes to the
 * nearest power of two of the ideal, clamped.
 *
 * Pure arithmetic with the clock passed in, so the tests drive it deterministically.
 */
import type { VardiffOptions } from './types.js'
import { clampDifficulty, nearestPowerOfTwo } from './difficulty.js'

/** A window that stays in the dead band is restarted after this many retargetMs. */
const MAX_WINDOW_SPANS = 4

export class Vardiff {
  private windowStart: number
  private nextCheck: number
  private shares = 0
  private weight = 0

  constructor(
    private readonly options: VardiffOptions,
    private current: number,
    private min: number,
    private readonly max: number,
    now: number
  ) {
    this.windowStart = now
    this.nextCheck = now + options.retargetMs
  }

  get difficulty(): number {
    return this.current
  }

  /** Starts over from a difficulty set from outside (suggest_difficulty, d=, a new floor). */
  reset(difficulty: number, now: number): void {
    this.current = difficulty
    this.restartWindow(now)
  }

  /** Raises the floor (BIP310 minimum-difficulty). */
  setMinimum(min: number): void {
    this.min = Math.min(Math.max(this.min, min), this.max)
  }

  /** Records one accepted share; returns the new difficulty when it changes. */
  recordShare(countedDifficulty: number, now: number): number | null {
    this.shares += 1
    this.weight += countedDifficulty
    if (this.shares >= this.options.retargetShares) {
      const next = this.judge(now)
      this.restartWindow(now)
      return next
    }
    return this.tick(now)
  }

  /** The time-based check; the server's sweep calls it for connections that send nothing. */
  tick(now: number): number | null {
    if (now < this.nextCheck) return null
    const next = this.judge(now)
    if (next !== null || now - this.windowStart >= MAX_WINDOW_SPANS * this.options.retargetMs) this.restartWindow(now)
    else this.nextCheck = now + this.options.retargetMs
    return next
  }

  /**
   * The new difficulty when the window says the current one is off by more than the dead band.
   * Judged with a margin of one share in the miner's favour each way (lowering as if one more share
   * had come, raising as if one fewer): with a handful of shares that margin is what keeps Poisson
   * noise from moving the difficulty, and with many it hardly matters.
   */
  private judge(now: number): number | null {
    const elapsed = Math.max(1, now - this.windowStart)
    const perShare = this.options.targetShareIntervalMs / elapsed
    const [low, high] = this.options.deadBand
    // Ratios of the ideal difficulty to the current one, from the window's diff-weighted shares.
    const optimistic = (this.weight / this.current + 1) * perShare
    const pessimistic = (this.weight / this.current - 1) * perShare
    let ratio: number
    if (optimistic < low) ratio = optimistic
    else if (pessimistic > high) ratio = pessimistic
    else return null
    const next = clampDifficulty(nearestPowerOfTwo(ratio * this.current), this.min, this.max)
    if (next === this.current) return null
    this.current = next
    return next
  }

  private restartWindow(now: number): void {
    this.windowStart = now
    this.nextCheck = now + this.options.retargetMs
    this.shares = 0
    this.weight = 0
  }
}
