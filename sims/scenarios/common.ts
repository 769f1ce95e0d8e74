import type { CoopParams } from '../../protocol/params.js'
import { round } from '../core/stats.js'

/** The consensus parameters a figure depends on, as stated under it. */
export interface ParamsSummary {
  shareInterval: number
  halfLife: number
  windowShares: number
  maxUncles: number
  uncleDepth: number
  uncleWeightBps: number
  finderBonusBps: number
  minPayout: number
  maxOutputs: number
}

export function summarizeParams(p: CoopParams): ParamsSummary {
  return {
    shareInterval: p.shareInterval,
    halfLife: p.halfLife,
    windowShares: p.windowShares,
    maxUncles: p.maxUncles,
    uncleDepth: p.uncleDepth,
    uncleWeightBps: p.uncleWeightBps,
    finderBonusBps: p.finderBonusBps,
    minPayout: p.minPayout,
    maxOutputs: p.maxOutputs
  }
}

export function paramsLine(p: ParamsSummary): string {
  return `interval ${p.shareInterval} s, half-life ${p.halfLife} s, window ${p.windowShares}, uncles ${p.maxUncles}/${p.uncleDepth} at ${p.uncleWeightBps / 100} %, finder ${p.finderBonusBps / 100} %, min payout ${p.minPayout} sat, max outputs ${p.maxOutputs}`
}

/** n hashrates spread geometrically from `lo` to `hi` (equal steps in log scale). */
export function geometricSpread(n: number, lo: number, hi: number): number[] {
  return Array.from({ length: n }, (_, i) => (n === 1 ? lo : lo * (hi / lo) ** (i / (n - 1))))
}

/** Share of `part` in `whole`, rounded so result objects compare exactly across runs. */
export function ratio(part: number, whole: number, digits = 6): number {
  return whole === 0 ? 0 : round(part / whole, digits)
}
