import type { AttacksResult } from '../scenarios/attacks.js'
import type { FairnessResult } from '../scenarios/fairness.js'
import type { LatencyCell, LatencyResult } from '../scenarios/latency.js'
import type { ScaleResult } from '../scenarios/scale.js'
import type { VarianceResult, VarianceRow } from '../scenarios/variance.js'
import { bytes, fixed, int, pct, signedPct, table } from './markdown.js'

/**
 * The figures from this run that bear on each default of SPEC.md §9, side by side. Only numbers
 * from the results appear here; what they mean for the defaults is argued in the text of
 * SPEC.md §9 and in the issue, not computed.
 */
export interface ReportResults {
  fairness?: FairnessResult
  latency?: LatencyResult
  variance?: VarianceResult
  attacks?: AttacksResult
  scale?: ScaleResult
}

export function defaultsEvidence(r: ReportResults): string {
  const rows: string[][] = []
  const cellAt = (interval: number, ms: number, uncles: boolean): LatencyCell | undefined => r.latency?.cells.find((c) => c.interval === interval && c.latencyMs === ms && c.uncles === uncles)
  const latencyLine = (interval: number, ms: number): string => {
    const on = cellAt(interval, ms, true)
    const off = cellAt(interval, ms, false)
    if (on === undefined || off === undefined) return ''
    return `${interval} s @ ${ms} ms: stale ${pct(on.staleRate, 1)}, 5 % node ${signedPct(-on.smallLoss, 1)} (uncles) / ${signedPct(-off.smallLoss, 1)} (none)`
  }
  if (r.latency !== undefined) {
    rows.push(['shareInterval 10 s', [5, 10, 30].map((iv) => [200, 1000].map((ms) => latencyLine(iv, ms)).filter((s) => s !== '').join('; ')).filter((s) => s !== '').join('<br>'), '[latency](#latency)'])
    const deep = [2000, 1000].flatMap((ms) => [5, 10].map((iv) => cellAt(iv, ms, true))).filter((c): c is LatencyCell => c !== undefined)
    rows.push(['maxUncles / uncleDepth 3 / 3', deep.map((c) => `${c.interval} s @ ${c.latencyMs} ms: ${pct(c.staleRate, 1)} stale, of which ${pct(c.orphanRate, 2)} of all shares left uncredited`).join('<br>'), '[latency](#latency)'])
    const on = cellAt(10, 1000, true)
    const off = cellAt(10, 1000, false)
    if (on !== undefined && off !== undefined) rows.push(['uncleWeightBps 9000', `10 s @ 1000 ms: the 25 % node gains ${signedPct(on.largeGain, 2)} with uncles, ${signedPct(off.largeGain, 2)} without; 5 % nodes ${signedPct(-on.smallLoss, 2)} vs ${signedPct(-off.smallLoss, 2)}`, '[latency](#latency)'])
  }
  if (r.fairness !== undefined) {
    const f = r.fairness
    rows.push(['halfLife 600 s', `best-chain shares ${fixed(f.totals.mainInterval, 2)} s apart on average over ${f.simulatedHours} h (target ${f.params.shareInterval} s)` + (r.latency === undefined ? '' : `; latency runs: ${r.latency.cells.filter((c) => c.uncles).map((c) => c.mainInterval / c.interval).reduce((a, b) => Math.max(a, b), 0).toFixed(3)}x the target at worst (2 s latency, stale shares ease the target)`), '[fairness](#fairness)'])
    rows.push(['finderBonusBps 50', `paid / work found deviates ${pct(f.summary.perWorkDeviation, 2)} from 1 (hashrate-weighted), bonus included`, '[fairness](#fairness)'])
  }
  if (r.variance !== undefined) {
    const at = (label: string, days: number): VarianceRow | undefined => r.variance?.rows.find((row) => row.label === label && row.horizonDays === days)
    const capped = at('100 PH/s cooperative', 365)
    const uncapped = at('100 PH/s, maxOutputs 4000', 365)
    if (capped !== undefined && uncapped !== undefined) {
      rows.push(['maxOutputs 100', `100 TH/s member of a 100 PH/s cooperative of ${int(capped.members)} members, 365 days: P(zero) ${pct(capped.pZero, 1)}, median ${fixed(capped.percentiles.p50, 2)}x, std ${fixed(capped.cv, 2)}x expected; with maxOutputs 4000: P(zero) ${pct(uncapped.pZero, 1)}, median ${fixed(uncapped.percentiles.p50, 2)}x, std ${fixed(uncapped.cv, 2)}x`, '[variance](#variance)'])
    }
    const ten = at('10 PH/s cooperative', 365)
    if (ten !== undefined) rows.push(['windowShares 2160', `members of a 10 PH/s cooperative (${int(ten.members)} x 100 TH/s) hold ~${fixed((2160 * 100) / 10_000, 0)} shares of each window; 365 days: P(zero) ${pct(ten.pZero, 1)} (no block at all: ${pct(Math.exp(-ten.blocksPerYear), 1)})`, '[variance](#variance)'])
  }
  if (r.scale !== undefined) {
    const s = r.scale
    const cap = s.coinbase.byCap.find((c) => c.cap === s.params.maxOutputs)
    rows.push(['maxOutputs 100 (size)', `${int(s.window.distinctScripts)} scripts in the window at ${int(s.nodes)} nodes; coinbase at the cap: ${int(cap?.bytes ?? s.coinbase.bytes)} B (${int(cap?.weight ?? s.coinbase.weight)} WU); pot ${pct(s.window.potShare, 1)} of the block`, '[scale](#scale)'])
    rows.push(['windowShares 2160 (cost)', `validation ${fixed(s.wallClock.replayMicrosPerShare, 0)} µs per share into a node's view at a full window of ${int(s.window.distinctScripts)} scripts; log ${bytes(s.bytes.logPerDay)} / day`, '[scale](#scale)'])
  }
  if (r.attacks !== undefined) {
    const f = r.attacks.flood
    rows.push(['maxShareBits (mainnet: difficulty 65,536)', `${int(f.sent)} invalid entries, ${f.accepted} accepted; stage-2 entries cost an attacker ${fixed(f.mainnetStage2Work, 6)} of a 100 PH/s cooperative's share on mainnet`, '[attacks](#attacks)'])
  }
  return table(['default', 'what these runs show', 'scenario'], rows, ['l', 'l', 'l'])
}
