import type { CoopParams } from '../../protocol/params.js'
import { round } from '../core/stats.js'

/** The consensus parameters a figure depends on, as stated under it. */
const SUMMARY_KEYS = ['shareInterval', 'halfLife', 'windowShares', 'maxUncles', 'uncleDepth', 'uncleWeightBps', 'finderBonusBps', 'minPayout', 'maxOutputs'] as const

export type ParamsSummary = Pick<CoopParams, (typeof SUMMARY_KEYS)[number]>

export function summarizeParams(p: CoopParams): ParamsSummary {
  return Object.fromEntries(SUMMARY_KEYS.map((k) => [k, p[k]])) as ParamsSummary
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
