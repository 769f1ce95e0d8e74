/**
 * The difficulty one connection should mine at, from the sources that may set it:
 *   d=N in the password   fixed: vardiff off, suggestions ignored (the user typed it for this pool)
 *   suggest_difficulty    a new start for vardiff; an identical repeat (NerdMiner re-sends every
 *                         30 s) is not a new start, or it would undo vardiff each time
 *   minimum-difficulty    (BIP310) a floor for everything above
 *   vardiff               retargets from the shares themselves
 * The wanted difficulty goes to the miner with the next job. Every method returns true when it
 * changed.
 */
import type { StratumConfig } from './config.js'
import { clampDifficulty } from './difficulty.js'
import { Vardiff } from './vardiff.js'

export class SessionDifficulty {
  private current: number
  private floor: number
  private fixed = false
  private lastSuggestion: number | null = null
  private readonly vardiff: Vardiff | null

  constructor(
    private readonly config: StratumConfig,
    now: number
  ) {
    this.current = config.startDifficulty
    this.floor = config.minDifficulty
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
    return this.variable && this.take(this.vardiff?.recordShare(countedDifficulty, now) ?? null)
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
