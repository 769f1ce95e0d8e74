import { tallyRun, type RunTally } from '../core/accounting.js'
import { runSimulation } from '../core/engine.js'
import { NETWORK_HASHRATE, PH, simParams } from '../core/scaling.js'
import { payoutScript } from '../core/scripts.js'
import { round, sum } from '../core/stats.js'
import { pct, signedPct, table } from '../report/markdown.js'
import { lineChart } from '../report/svg.js'
import type { Scenario, ScenarioOptions } from '../scenario.js'
import { paramsLine, ratio, summarizeParams, type ParamsSummary } from './common.js'

/**
 * Latency: share intervals of 5, 10 and 30 s against one-way latencies of 50 ms to 2 s, each run
 * twice on the same seed, with the default uncle rules and with maxUncles = 0. Ten nodes of
 * unequal size (25 % down to 5 % of the hashrate), one miner each.
 *
 * Stale shares do not cost the cooperative blocks (a stale share that meets the Bitcoin target is
 * still a block, paying the split at its own parent); they move revenue between members, from
 * those whose shares go stale more often (small, far) to those whose shares rarely do (large: a
 * node never orphans its own shares). PPLNS pays every unit of credited work alike, so a node's
 * revenue share is its credited work share (ShareChain.credits over the final best chain); its
 * loss is how far that falls short of the share of work it found.
 */
export interface LatencyCell {
  interval: number
  latencyMs: number
  uncles: boolean
  shares: number
  staleRate: number
  uncleRate: number
  orphanRate: number
  /** Part of all work found that no share on the best chain credits (orphans, and uncles not credited). */
  uncreditedWork: number
  /** Mean loss of the 5 % nodes: 1 - credited share / work share. */
  smallLoss: number
  /** Two standard errors of smallLoss from the count of the 5 % nodes' stale shares (binomial). */
  smallLossNoise: number
  /** The 25 % node's gain: credited share / work share - 1. */
  largeGain: number
  mainInterval: number
}

export interface LatencyResult {
  seed: number
  params: ParamsSummary
  nodeShares: number[]
  sharesPerRun: number
  /** In grid order: interval, then latency, then uncles on before off. */
  cells: LatencyCell[]
}

const NODE_SHARES = [0.25, 0.15, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05]
const INTERVALS = [5, 10, 30]
const LATENCIES = [0.05, 0.2, 0.5, 1, 2]
const COOP = 100 * PH

export const latency: Scenario<LatencyResult> = {
  name: 'latency',
  title: 'Latency',
  summary: 'share interval x one-way latency: stale and uncle rates, revenue lost with and without uncles',
  defaultSeed: 1,

  async run(opts: ScenarioOptions): Promise<LatencyResult> {
    const sharesPerRun = opts.quick ? 120 : 2_500
    const grid = (opts.quick ? [10] : INTERVALS).flatMap((interval) => (opts.quick ? [0.2, 2] : LATENCIES).flatMap((latencySeconds) => [true, false].map((uncles) => ({ interval, latencySeconds, uncles }))))
    const part = opts.part ?? { index: 0, count: 1 }
    const cells: LatencyCell[] = []
    for (const [i, { interval, latencySeconds, uncles }] of grid.entries()) {
      if (i % part.count !== part.index) continue
      opts.log?.(`latency: interval ${interval} s, latency ${latencySeconds * 1000} ms, uncles ${uncles ? 'on' : 'off'}`)
      const params = simParams(opts.seed, { shareInterval: interval, ...(uncles ? {} : { maxUncles: 0 }) })
      const run = await runSimulation({
        seed: opts.seed,
        params,
        nodeCount: NODE_SHARES.length,
        miners: NODE_SHARES.map((s, n) => ({ node: n, hashrate: s * COOP, script: payoutScript(n) })),
        // Every pair alike, so that a node's losses come from its size, not from where it sits.
        latency: { kind: 'pairwise', meanSeconds: latencySeconds, spread: 0 },
        duration: sharesPerRun * interval,
        networkHashrate: NETWORK_HASHRATE
      })
      cells.push(cell(interval, latencySeconds, uncles, tallyRun(run)))
    }
    return { seed: opts.seed, params: summarizeParams(simParams(opts.seed)), nodeShares: NODE_SHARES, sharesPerRun, cells }
  },

  merge(parts: LatencyResult[]): LatencyResult {
    const first = parts[0]
    if (first === undefined) throw new Error('nothing to merge')
    const order = (c: LatencyCell): number => c.interval * 1e7 + c.latencyMs * 10 + (c.uncles ? 0 : 1)
    return { ...first, cells: parts.flatMap((p) => p.cells).sort((a, b) => order(a) - order(b)) }
  },

  render(r: LatencyResult) {
    const setup = `seed ${r.seed}; 10 nodes (${r.nodeShares.map((s) => s * 100).join('/')} % of the hashrate), one miner each, ~${r.sharesPerRun} shares per run; ${paramsLine(r.params)} (interval and maxUncles as shown)`
    const intervals = [...new Set(r.cells.map((c) => c.interval))]
    const seriesOf = (uncles: boolean, y: (c: LatencyCell) => number, label: string) =>
      intervals.map((iv, i) => ({
        name: `${iv} s ${label}`,
        dashed: !uncles,
        color: ['#1f77b4', '#d62728', '#2ca02c'][i],
        style: 'line+points' as const,
        points: r.cells.filter((c) => c.interval === iv && c.uncles === uncles).map((c) => [c.latencyMs, y(c)] as const)
      }))
    const staleChart = lineChart({
      title: 'Stale and orphan rates vs one-way latency',
      subtitle: `seed ${r.seed}; 10 nodes, default uncle rules; solid: stale (off the best chain), dashed: orphaned (not even an uncle)`,
      xLabel: 'mean one-way latency (ms)',
      yLabel: 'share of all shares',
      xLog: true,
      xRange: [40, 2500],
      yFormat: (v) => pct(v, 0),
      series: [...seriesOf(true, (c) => c.staleRate, 'stale'), ...seriesOf(true, (c) => c.orphanRate, 'orphaned').map((s) => ({ ...s, dashed: true }))]
    })
    const gainChart = lineChart({
      title: 'Revenue moved by stale shares to the largest node',
      subtitle: `seed ${r.seed}; the 25 % node's credited share / work share - 1 (what the other nodes lose together); solid: uncles 3/3, dashed: none`,
      xLabel: 'mean one-way latency (ms)',
      yLabel: "the 25 % node's gain",
      xLog: true,
      xRange: [40, 2500],
      yFormat: (v) => pct(v, 1),
      series: [...seriesOf(true, (c) => c.largeGain, 'uncles on'), ...seriesOf(false, (c) => c.largeGain, 'uncles off')],
      refLines: [{ value: 0, label: 'none' }]
    })
    const rows = intervals.flatMap((iv) =>
      [...new Set(r.cells.filter((c) => c.interval === iv).map((c) => c.latencyMs))].map((ms) => {
        const on = r.cells.find((c) => c.interval === iv && c.latencyMs === ms && c.uncles)
        const off = r.cells.find((c) => c.interval === iv && c.latencyMs === ms && !c.uncles)
        return [`${iv} s`, `${ms} ms`, pct(on?.staleRate ?? NaN), pct(on?.uncleRate ?? NaN), pct(on?.orphanRate ?? NaN), signedPct(-(on?.smallLoss ?? NaN)), pct(off?.staleRate ?? NaN), signedPct(-(off?.smallLoss ?? NaN)), `±${pct(Math.max(on?.smallLossNoise ?? 0, off?.smallLossNoise ?? 0), 1)}`, signedPct(on?.largeGain ?? NaN), signedPct(off?.largeGain ?? NaN)]
      })
    )
    const md = [
      `Setup: ${setup}. Each cell is one run; the same seed drives the uncle-on and uncle-off runs. Every node pair has the same mean latency, with per-message jitter (x0.8 + Exp(0.2)), so that differences between nodes come from their size. The 5 % nodes\' revenue is their credited work share against the share of work they found; its noise column is two standard errors from the number of their stale shares.`,
      '',
      'Stale = off the final best chain; uncle = stale but credited by a best-chain share; orphan = neither. A node\'s revenue share is its credited work share (what PPLNS pays over a long run); its loss is the shortfall against the share of work it found. The cooperative as a whole loses no blocks to stale shares; they move revenue between members.',
      '',
      table(
        ['interval', 'latency', 'stale (uncles on)', 'uncled', 'orphaned', '5 % nodes\' revenue (uncles on)', 'stale (uncles off)', '5 % nodes\' revenue (uncles off)', 'noise (2 s.e.)', '25 % node (on)', '25 % node (off)'],
        rows
      ),
      '',
      '![stale rates](sims/latency-stale.svg)',
      '',
      '![revenue moved](sims/latency-gain.svg)'
    ].join('\n')
    return { markdown: md, charts: [{ file: 'latency-stale.svg', svg: staleChart }, { file: 'latency-gain.svg', svg: gainChart }] }
  }
}

function cell(interval: number, latencySeconds: number, uncles: boolean, t: RunTally): LatencyCell {
  const produced = sum(t.miners.map((m) => m.producedWork))
  const credited = sum(t.miners.map((m) => m.creditedWork))
  const efficiency = t.miners.map((m) => m.creditedWork / credited / (m.producedWork / produced))
  const small = t.miners.filter((_, i) => NODE_SHARES[i] === 0.05)
  const smallProduced = sum(small.map((m) => m.producedWork))
  const smallLoss = sum(small.map((m) => (m.producedWork / smallProduced) * (1 - (efficiency[m.miner] as number))))
  const smallShares = sum(small.map((m) => m.published))
  const smallStale = sum(small.map((m) => m.uncle + m.orphan)) / Math.max(1, smallShares)
  return {
    interval,
    latencyMs: Math.round(latencySeconds * 1000),
    uncles,
    shares: t.published,
    staleRate: ratio(t.uncle + t.orphan, t.published),
    uncleRate: ratio(t.uncle, t.published),
    orphanRate: ratio(t.orphan, t.published),
    uncreditedWork: round(1 - credited / produced, 6),
    smallLoss: round(smallLoss, 6),
    smallLossNoise: round(2 * Math.sqrt((smallStale * (1 - smallStale)) / Math.max(1, smallShares)), 6),
    largeGain: round((efficiency[0] as number) - 1, 6),
    mainInterval: round(t.mainInterval, 3)
  }
}

