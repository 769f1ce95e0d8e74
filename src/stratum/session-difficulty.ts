/**
 * The difficulty one connection should mine at, from the sources that may set it:
 *   d=N in the password   fixed: vardiff off, suggestions ignored (the user typed it for this pool)
 *   suggest_difficulty    a new start for vardiff; an identical repeat (NerdMiner re-sends every
 *                         30 s) is not a new start, or it would undo vardiff each time
 *   minimum-difficulty    (BIP310) a floor for everything above
 *   vardiff               retargets from the shares themselves
 *   the rate guard        above config.maxShareRate accepted submissions per second (judged over
 *                         5 s, or at once on a burst) the difficulty is multiplied by the power of
 *                         two that brings the rate back under it, fixed d= sessions included: a
 *                         tiny d= may give a NerdMiner steady feedback, never cost the node more
 *                         than that rate when a fast miner types it
 * The wanted difficulty goes to the miner with the next job. Every method returns true when it
 * changed.
 */
import type { StratumConfig } from './config.js'
import { clampDifficulty } from './difficulty.js'
import { Vardiff } from './vardiff.js'

/** The rate guard's judging window. */
const RATE_WINDOW_MS = 5_000

export class SessionDifficulty {
  private current: number
  private floor: number
  private fixed = false
  private lastSuggestion: number | null = null
  private readonly vardiff: Vardiff | null
  private rateStart: number
  private rateCount = 0

  constructor(
    private readonly config: StratumConfig,
    now: number
  ) {
    this.current = config.startDifficulty
    this.floor = config.minDifficulty
    this.rateStart = now
    this.vardiff = config.vardiff === null ? null : new Vardiff(config.vardiff, config.startDifficulty, config.minDifficulty, config.maxDifficulty, now)
  }

  /** The difficulty wanted for the next job. */
  get wanted(): number {
    return this.current
  }

  get variable(): boolean {
    return this.vardiff !== null && !this.fixed
  }

  fix(d: number, now: number): boolean {
    this.fixed = true
    return this.set(clampDifficulty(d, this.floor, this.config.maxDifficulty), now)
  }

  suggest(d: number, now: number): boolean {
    if (this.fixed || d === this.lastSuggestion) return false
    this.lastSuggestion = d
    return this.set(clampDifficulty(d, this.floor, this.config.maxDifficulty), now)
  }

  raiseFloor(min: number, now: number): boolean {
    this.floor = clampDifficulty(min, this.config.minDifficulty, this.config.maxDifficulty)
    this.vardiff?.setMinimum(this.floor)
    return this.current < this.floor ? this.set(this.floor, now) : false
  }

  /** Vardiff's window starts when the miner gets its first job, not at connect. */
  start(now: number): void {
    this.vardiff?.reset(this.current, now)
  }

  recordShare(countedDifficulty: number, now: number): boolean {
    const guarded = this.guardRate(now)
    if (guarded) return true
    return this.variable && this.take(this.vardiff?.recordShare(countedDifficulty, now) ?? null)
  }

  /** The rate guard (see the top of this file); true when it raised the difficulty. */
  private guardRate(now: number): boolean {
    const max = this.config.maxShareRate
    if (max <= 0) return false
    this.rateCount += 1
    const elapsed = now - this.rateStart
    if (elapsed < RATE_WINDOW_MS && this.rateCount <= (max * RATE_WINDOW_MS) / 1000) return false
    const rate = (this.rateCount * 1000) / Math.max(elapsed, 1)
    this.rateStart = now
    this.rateCount = 0
    if (rate <= max) return false
    const next = Math.min(this.config.maxDifficulty, this.current * 2 ** Math.ceil(Math.log2(rate / max)))
    if (next <= this.current) return false
    this.current = next
    this.vardiff?.reset(next, now)
    return true
  }

  tick(now: number): boolean {
    return this.variable && this.take(this.vardiff?.tick(now) ?? null)
  }

  private take(next: number | null): boolean {
    if (next === null || next === this.current) return false
    this.current = next
    return true
  }

  private set(d: number, now: number): boolean {
    this.vardiff?.reset(d, now)
    const changed = d !== this.current
    this.current = d
    return changed
  }
}
