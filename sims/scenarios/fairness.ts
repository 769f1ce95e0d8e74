import { tallyRun } from '../core/accounting.js'
import { runSimulation } from '../core/engine.js'
import { networkForBlockEvery, simParams, TH } from '../core/scaling.js'
import { payoutScript } from '../core/scripts.js'
import { round, sum } from '../core/stats.js'
import { fixed, hashrate, int, pct, table } from '../report/markdown.js'
import { lineChart } from '../report/svg.js'
import type { Scenario, ScenarioOptions } from '../scenario.js'
import { geometricSpread, paramsLine, ratio, summarizeParams, type ParamsSummary } from './common.js'

/**
 * Fairness: 50 miners whose hashrates span three orders of magnitude (10 TH/s to 10 PH/s) mine
 * one share-chain through 10 nodes; what each is paid (the real coinbase splits) against its
 * share of the hashrate and its share of the work it actually found.
 */
export interface FairnessMiner {
  index: number
  hashrate: number
  hashrateShare: number
  shares: number
  staleRate: number
  workShare: number
  creditedShare: number
  expectedShare: number
  realizedShare: number
  /** expectedShare / hashrateShare: fairness including the luck of finding shares. */
  perHashrate: number
  /** expectedShare / workShare: the payout rule alone, given the shares found (null: no shares). */
  perWork: number | null
  /** Half-width of the 95 % band share-finding luck alone gives perHashrate (2 / sqrt(expected shares)). */
  luck95: number
}

export interface FairnessGroup {
  label: string
  miners: number
  hashrateShare: number
  workShare: number
  expectedShare: number
  realizedShare: number
  staleRate: number
}

export interface FairnessResult {
  seed: number
  params: ParamsSummary
  nodes: number
  latencyMs: number
  simulatedHours: number
  blockEveryShares: number
  coopHashrate: number
  totals: { published: number; main: number; uncle: number; orphan: number; blocks: number; expectedBlocks: number; mainInterval: number }
  miners: FairnessMiner[]
  groups: FairnessGroup[]
  summary: {
    /** Hashrate-weighted mean of |perWork - 1| over miners that found shares. */
    perWorkDeviation: number
    /** Largest |perWork - 1| among miners with at least 100 shares. */
    perWorkWorstBig: number
    /** Miners whose perHashrate lies inside their luck band. */
    withinLuckBand: number
  }
}

const MINERS = 50
const NODES = 10
const LATENCY = 0.2
const BLOCK_EVERY = 40

export const fairness: Scenario<FairnessResult> = {
  name: 'fairness',
  title: 'Fairness',
  summary: '50 miners over 3 orders of magnitude of hashrate: paid share vs hashrate share',
  defaultSeed: 1,

  async run(opts: ScenarioOptions): Promise<FairnessResult> {
    const params = simParams(opts.seed, opts.quick ? { windowShares: 40 } : {})
    const nodes = opts.quick ? 4 : NODES
    const hashrates = geometricSpread(MINERS, 10 * TH, 10_000 * TH)
    const miners = hashrates.map((h, i) => ({ node: i % nodes, hashrate: h, script: payoutScript(i) }))
    const coopHashrate = sum(hashrates)
    const duration = (opts.quick ? 120 : 12_000) * params.shareInterval
    opts.log?.(`fairness: ${MINERS} miners on ${nodes} nodes, ${duration} simulated s`)
    const run = await runSimulation({
      seed: opts.seed,
      params,
      nodeCount: nodes,
      miners,
      latency: { kind: 'pairwise', meanSeconds: LATENCY },
      duration,
      networkHashrate: networkForBlockEvery(params, coopHashrate, BLOCK_EVERY)
    })
    const t = tallyRun(run, { expectedRevenue: true })
    const totalWork = sum(t.miners.map((m) => m.producedWork))
    const totalCredit = sum(t.miners.map((m) => m.creditedWork))
    const totalExpected = sum(t.miners.map((m) => m.expectedRevenue))
    const totalRealized = sum(t.miners.map((m) => m.realizedRevenue))
    const rows: FairnessMiner[] = t.miners.map((m) => {
      const hashrateShare = m.hashrate / coopHashrate
      const workShare = m.producedWork / totalWork
      const expectedShare = m.expectedRevenue / totalExpected
      return {
        index: m.miner,
        hashrate: m.hashrate,
        hashrateShare: round(hashrateShare, 8),
        shares: m.published,
        staleRate: ratio(m.uncle + m.orphan, m.published),
        workShare: round(workShare, 8),
        creditedShare: ratio(m.creditedWork, totalCredit, 8),
        expectedShare: round(expectedShare, 8),
        realizedShare: ratio(m.realizedRevenue, totalRealized, 8),
        perHashrate: round(expectedShare / hashrateShare, 4),
        perWork: workShare === 0 ? null : round(expectedShare / workShare, 4),
        luck95: round(2 / Math.sqrt(hashrateShare * t.published), 4)
      }
    })
    const groups: FairnessGroup[] = []
    for (let g = 0; g < 5; g++) {
      const members = rows.slice(g * 10, g * 10 + 10)
      const ids = new Set(members.map((m) => m.index))
      const tm = t.miners.filter((m) => ids.has(m.miner))
      groups.push({
        label: `${hashrate(members[0]?.hashrate ?? 0)} - ${hashrate(members.at(-1)?.hashrate ?? 0)}`,
        miners: members.length,
        hashrateShare: round(sum(members.map((m) => m.hashrateShare)), 6),
        workShare: round(sum(members.map((m) => m.workShare)), 6),
        expectedShare: round(sum(members.map((m) => m.expectedShare)), 6),
        realizedShare: round(sum(members.map((m) => m.realizedShare)), 6),
        staleRate: ratio(sum(tm.map((m) => m.uncle + m.orphan)), sum(tm.map((m) => m.published)))
      })
    }
    const big = rows.filter((m) => m.shares >= 100)
    const withShares = rows.filter((m) => m.perWork !== null)
    const deviation = (m: FairnessMiner): number => Math.abs((m.perWork ?? 1) - 1)
    return {
      seed: opts.seed,
      params: summarizeParams(params),
      nodes,
      latencyMs: LATENCY * 1000,
      simulatedHours: round(duration / 3600, 3),
      blockEveryShares: BLOCK_EVERY,
      coopHashrate,
      totals: { published: t.published, main: t.main, uncle: t.uncle, orphan: t.orphan, blocks: t.blocks, expectedBlocks: round(t.expectedBlocks, 3), mainInterval: round(t.mainInterval, 3) },
      miners: rows,
      groups,
      summary: {
        perWorkDeviation: round(sum(withShares.map((m) => m.hashrateShare * deviation(m))) / sum(withShares.map((m) => m.hashrateShare)), 5),
        perWorkWorstBig: round(Math.max(0, ...big.map(deviation)), 5),
        withinLuckBand: rows.filter((m) => Math.abs(m.perHashrate - 1) <= m.luck95).length
      }
    }
  },

  render(r: FairnessResult) {
    const setup = `seed ${r.seed}; ${MINERS} miners, ${hashrate(r.coopHashrate)} in all, on ${r.nodes} nodes, one-way latency ${r.latencyMs} ms (mean); ${r.simulatedHours} simulated hours; ${paramsLine(r.params)}`
    const chart = lineChart({
      title: 'Fairness: paid share / hashrate share, per miner',
      subtitle: `seed ${r.seed}; ${MINERS} miners (10 TH/s-10 PH/s) on ${r.nodes} nodes, ${r.latencyMs} ms; ${r.simulatedHours} h; window ${r.params.windowShares}, else SPEC.md §9 defaults`,
      xLabel: "miner's share of the cooperative's hashrate",
      yLabel: 'expected revenue share / reference share',
      xLog: true,
      yRange: [0, 2],
      xFormat: (v) => pct(v, v < 0.01 ? 2 : 1),
      series: [
        { name: 'paid / hashrate share', points: r.miners.map((m) => [m.hashrateShare, m.perHashrate] as const), style: 'points' },
        { name: 'paid / share of work found', points: r.miners.flatMap((m) => (m.perWork === null ? [] : [[m.hashrateShare, m.perWork] as const])), style: 'points' }
      ],
      bands: [{ name: '95 % band of share-finding luck', points: r.miners.map((m) => [m.hashrateShare, 1 - m.luck95, 1 + m.luck95] as const) }],
      refLines: [{ value: 1, label: 'fair' }]
    })
    const md = [
      `Setup: ${setup}. One share in ${r.blockEveryShares} is a block (the block odds are raised so that a one-day run holds hundreds of blocks; PPLNS pays each share the same in expectation at any block rate, and the "expected" columns below do not depend on it).`,
      '',
      `The run made ${int(r.totals.published)} shares (${int(r.totals.main)} on the best chain, ${int(r.totals.uncle)} uncles, ${int(r.totals.orphan)} orphans; ${fixed(r.totals.mainInterval)} s between best-chain shares) and ${r.totals.blocks} blocks (${fixed(r.totals.expectedBlocks, 1)} expected). Revenue counts the shares at heights >= the window, where every window is full. *Expected* revenue: for every published share, P(block) x the miner's amount in that share's real coinbase split; *realized*: what the ${r.totals.blocks} real blocks' coinbases paid, lottery included.`,
      '',
      table(
        ['hashrate group (10 miners each)', 'hashrate share', 'share of work found', 'expected revenue share', 'realized revenue share', 'stale rate'],
        r.groups.map((g) => [g.label, pct(g.hashrateShare), pct(g.workShare), pct(g.expectedShare), pct(g.realizedShare), pct(g.staleRate)])
      ),
      '',
      `- The payout rule is fair to the work found: expected revenue share / share of work found deviates from 1 by ${pct(r.summary.perWorkDeviation)} on average (hashrate-weighted), at most ${pct(r.summary.perWorkWorstBig)} for miners with >= 100 shares.`,
      `- Against hashrate, ${r.summary.withinLuckBand} of ${r.miners.length} miners fall inside the 95 % band that share-finding luck alone gives (2/sqrt(expected shares)); the small miners' spread is luck (few shares), not the rule.`,
      '',
      '![fairness](sims/fairness.svg)',
      '',
      '<details><summary>Every miner</summary>',
      '',
      table(
        ['miner', 'hashrate', 'hashrate share', 'shares', 'stale', 'work share', 'expected share', 'paid/hashrate', 'paid/work', 'luck band'],
        r.miners.map((m) => [m.index, hashrate(m.hashrate), pct(m.hashrateShare, 3), m.shares, pct(m.staleRate, 1), pct(m.workShare, 3), pct(m.expectedShare, 3), fixed(m.perHashrate, 3), m.perWork === null ? 'no shares' : fixed(m.perWork, 3), `±${fixed(m.luck95, 2)}`])
      ),
      '',
      '</details>'
    ].join('\n')
    return { markdown: md, charts: [{ file: 'fairness.svg', svg: chart }] }
  }
}
