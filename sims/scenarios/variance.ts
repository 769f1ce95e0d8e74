import { toHex } from '../../src/bitcoin/bytes.js'
import { finishClassSplit, prepareSplit, splitCoinbase, type PayoutSplit } from '../../src/sharechain/payouts.js'
import { classForBytes, classLimit } from '../../src/sharechain/classes.js'
import { AliasTable, Rng } from '../core/rng.js'
import { BITCOIN_BLOCK_SECONDS, COINBASE_VALUE, FEES_SATS, NETWORK_HASHRATE, PH, simParams, SUBSIDY_SATS, TH } from '../core/scaling.js'
import { payoutScript } from '../core/scripts.js'
import { mean, quantileSorted, round, stdev } from '../core/stats.js'
import { fixed, hashrate, int, pct, table } from '../report/markdown.js'
import { lineChart } from '../report/svg.js'
import type { Scenario, ScenarioOptions } from '../scenario.js'
import { paramsLine, summarizeParams, type ParamsSummary } from './common.js'

/**
 * Variance: what a 100 TH/s miner earns in 30 and 365 days, solo or in cooperatives of 1, 10 and
 * 100 PH/s, on an 800 EH/s network.
 *
 * A year of shares cannot go through validation share by share (3 million shares per trial), so
 * this scenario keeps the real payout rule and simulates only what feeds it. Per trial: the
 * cooperative's blocks arrive as a Poisson process at its share of the network's 144 blocks a
 * day; the PPLNS window at each block is the last windowShares shares, each found by a member
 * drawn in proportion to hashrate (windows of blocks closer than a window apart overlap, as on a
 * real chain); the finder is drawn the same way; and the coinbase is split by the real
 * splitCoinbase (finder bonus, minimum payout, output cap and the dust lottery, seeded like a
 * parent id). Not modelled: stale shares and uncles (see the latency scenario), share-target
 * drift (all shares carry the same work), fee variation (every block pays the same value).
 */
export interface VarianceRow {
  label: string
  horizonDays: number
  /** 0 for solo. */
  coopHashrate: number
  members: number
  maxOutputs: number
  trials: number
  blocksPerYear: number
  /** Satoshis a miner of this hashrate earns on average over the horizon (its share of all blocks). */
  expectedSats: number
  meanOverExpected: number
  pZero: number
  pBelowHalf: number
  /** Income over the horizon at percentiles 1, 5, 10, 25, 50, 75, 90, 95, 99, as a multiple of expected. */
  percentiles: Record<'p1' | 'p5' | 'p10' | 'p25' | 'p50' | 'p75' | 'p90' | 'p95' | 'p99', number>
  /** Standard deviation / expected. */
  cv: number
  /** Part of the cooperative's blocks in which the miner was in the dust-lottery pot (below minimum or beyond the cap). */
  inPotRate: number
  /** Part of the miner's income over all trials that came as lottery wins. */
  viaLottery: number
  /** P(income <= x * expected) at x on a log grid, for the CDF chart. */
  cdf: [number, number][]
}

export interface VarianceResult {
  seed: number
  params: ParamsSummary
  minerHashrate: number
  networkHashrate: number
  coinbaseValue: number
  rows: VarianceRow[]
}

interface Config {
  label: string
  coop: number
  maxOutputs: number
  trials: number
  /**
   * Coinbase classes (SPEC.md §7.6): this part of the members (by index, so of the hashrate) runs
   * firmware taking `bytes` of coinbase, and a block they find has a coinbase of that class; the
   * others' blocks are of the full class (maxOutputs). Absent: every block is of the full class.
   */
  firmware?: { share: number; bytes: number }
}

/** The coinbase a simulated block's limit is counted on: a mainnet height, 8 extranonce bytes, the default tag, segwit. */
const SIM_SHAPE = { blockHeight: 900_000, extranonceSize: 8, tag: new TextEncoder().encode('/hashcoop/'), hasWitnessCommitment: true }

const MINER = 100 * TH
const DAY = 86_400
const HORIZONS = [30, 365]
const PERCENTILES = [1, 5, 10, 25, 50, 75, 90, 95, 99] as const
const CDF_GRID = Array.from({ length: 41 }, (_, i) => 10 ** (-2 + i / 10))

export const variance: Scenario<VarianceResult> = {
  name: 'variance',
  title: 'Variance',
  summary: 'a 100 TH/s miner solo vs in 1, 10, 100 PH/s cooperatives: income distribution over 30 and 365 days',
  defaultSeed: 1,

  async run(opts: ScenarioOptions): Promise<VarianceResult> {
    const params = simParams(opts.seed)
    const scale = opts.quick ? 0.02 : 1
    const configs: Config[] = [
      { label: 'solo', coop: 0, maxOutputs: params.maxOutputs, trials: 200_000 },
      { label: '1 PH/s cooperative', coop: 1 * PH, maxOutputs: params.maxOutputs, trials: 50_000 },
      { label: '10 PH/s cooperative', coop: 10 * PH, maxOutputs: params.maxOutputs, trials: 10_000 },
      { label: '100 PH/s cooperative', coop: 100 * PH, maxOutputs: params.maxOutputs, trials: 2_000 },
      { label: '100 PH/s, maxOutputs 4000', coop: 100 * PH, maxOutputs: 4000, trials: 2_000 },
      // Issue 14: stock S19s (750 B) in the cooperative. Without classes, one maxOutputs that fits
      // them for everyone (18 outputs in 750 B); with classes, only their own blocks are small.
      { label: '100 PH/s, maxOutputs 18 for all (fits 750 B)', coop: 100 * PH, maxOutputs: 18, trials: 2_000 },
      { label: '100 PH/s, classes: 60 % on 750 B, rest maxOutputs 100', coop: 100 * PH, maxOutputs: params.maxOutputs, trials: 2_000, firmware: { share: 0.6, bytes: 750 } },
      { label: '100 PH/s, classes: 60 % on 750 B, rest maxOutputs 4000', coop: 100 * PH, maxOutputs: 4000, trials: 2_000, firmware: { share: 0.6, bytes: 750 } }
    ]
    const rows: VarianceRow[] = []
    for (const c of configs) {
      const trials = Math.max(50, Math.round(c.trials * scale))
      opts.log?.(`variance: ${c.label}, ${trials} trials`)
      const sim = simulateIncomes(opts.seed, c, trials, { ...params, maxOutputs: c.maxOutputs })
      HORIZONS.forEach((days, h) => rows.push(describe(c, days, trials, sim.incomes[h] as Float64Array, sim.pot[h] as PotTally)))
    }
    return { seed: opts.seed, params: summarizeParams(params), minerHashrate: MINER, networkHashrate: NETWORK_HASHRATE, coinbaseValue: Number(COINBASE_VALUE), rows }
  },

  render(r: VarianceResult) {
    const setup = `seed ${r.seed}; a ${hashrate(r.minerHashrate)} miner; network ${hashrate(r.networkHashrate)}; ${fixed(r.coinbaseValue / 1e8, 3)} BTC a block (${Number(SUBSIDY_SATS) / 1e8} subsidy + ${Number(FEES_SATS) / 1e8} fees); cooperative members of 100 TH/s each; ${paramsLine(r.params)}`
    const charts = HORIZONS.map((days) => ({
      file: `variance-${days}d.svg`,
      svg: lineChart({
        title: `Income over ${days} days: cumulative distribution`,
        subtitle: `seed ${r.seed}; ${hashrate(r.minerHashrate)} miner, ${hashrate(r.networkHashrate)} network; the left edge is P(zero income)`,
        xLabel: 'income / expected income (log scale)',
        yLabel: 'P(income <= x)',
        xLog: true,
        xRange: [0.01, 100],
        yRange: [0, 1],
        xFormat: (v) => `${v}x`,
        yFormat: (v) => pct(v, 0),
        series: r.rows.filter((row) => row.horizonDays === days).map((row, i) => ({ name: row.label, style: 'step' as const, dashed: i >= 4, points: row.cdf }))
      })
    }))
    const md = [
      `Setup: ${setup}.`,
      '',
      'Method: a year of shares cannot be validated one by one, so each trial draws the cooperative\'s blocks (Poisson, at its share of 144 blocks a day), the PPLNS window at each block (the last windowShares shares, members drawn by hashrate; windows of close blocks overlap) and the finder, and pays each block with the real `splitCoinbase` (finder bonus, minimum payout, output cap, dust lottery seeded like a parent id). Stale shares, uncles and share-target drift are left out (see the latency and fairness scenarios for those).',
      '',
      table(
        ['setup', 'days', 'trials', 'blocks / year (cooperative)', 'expected income', 'P(zero)', 'P(< half of expected)', 'p10', 'median', 'p90', 'p99', 'std / expected', 'mean / expected', 'blocks where it is in the lottery pot', 'income via the lottery'],
        r.rows.map((row) => [row.label, row.horizonDays, int(row.trials), fixed(row.blocksPerYear, row.blocksPerYear < 1 ? 4 : 2), `${fixed(row.expectedSats / 1e8, 5)} BTC`, pct(row.pZero, 1), pct(row.pBelowHalf, 1), `${fixed(row.percentiles.p10, 2)}x`, `${fixed(row.percentiles.p50, 2)}x`, `${fixed(row.percentiles.p90, 2)}x`, `${fixed(row.percentiles.p99, 2)}x`, fixed(row.cv, 2), fixed(row.meanOverExpected, 3), row.coopHashrate === 0 ? '-' : pct(row.inPotRate, 1), row.coopHashrate === 0 ? '-' : pct(row.viaLottery, 1)])
      ),
      '',
      'Percentiles are of income over the horizon as a multiple of the expected income (the miner\'s share of all blocks x the block value).',
      '',
      ...charts.map((c) => `![${c.file}](sims/${c.file})\n`)
    ].join('\n')
    return { markdown: md, charts }
  }
}

/** How often miner 0 was a lottery-pot member, and what the lottery paid it, up to a horizon. */
interface PotTally {
  blocks: number
  inPot: number
  lotterySats: number
}

/** Income (satoshis) of miner 0 per trial, at each horizon. */
function simulateIncomes(seed: number, c: Config, trials: number, params: ReturnType<typeof simParams>): { incomes: Float64Array[]; pot: PotTally[] } {
  const rng = Rng.stream(seed, `variance/${c.label}`)
  const out = HORIZONS.map(() => new Float64Array(trials))
  const pot: PotTally[] = HORIZONS.map(() => ({ blocks: 0, inPot: 0, lotterySats: 0 }))
  const end = Math.max(...HORIZONS) * DAY
  const value = Number(COINBASE_VALUE)
  if (c.coop === 0) {
    const perSecond = MINER / NETWORK_HASHRATE / BITCOIN_BLOCK_SECONDS
    for (let t = 0; t < trials; t++) {
      for (let time = rng.exp(1 / perSecond); time <= end; time += rng.exp(1 / perSecond)) credit(out, t, time, value)
    }
    return { incomes: out, pot }
  }
  const members = Math.round(c.coop / MINER)
  const scripts = Array.from({ length: members }, (_, i) => payoutScript(i))
  const hexes = scripts.map(toHex)
  const ours = hexes[0] as string
  const pick = new AliasTable(Array.from({ length: members }, () => MINER))
  const window = params.windowShares
  const blockEvery = (BITCOIN_BLOCK_SECONDS * NETWORK_HASHRATE) / c.coop
  const counts = new Int32Array(members)
  const ring = new Int32Array(window)
  for (let t = 0; t < trials; t++) {
    // The window the cooperative starts with: it has been mining for a while.
    for (let k = 0; k < window; k++) ring[k] = pick.draw(rng)
    let head = 0
    for (let time = rng.exp(blockEvery); time <= end; ) {
      counts.fill(0)
      for (const m of ring) counts[m] = (counts[m] as number) + 1
      const weights = new Map<string, bigint>()
      for (let m = 0; m < members; m++) if ((counts[m] as number) > 0) weights.set(hexes[m] as string, BigInt(counts[m] as number))
      const finderIndex = pick.draw(rng)
      const split = splitOf(params, c, weights, finderIndex, scripts[finderIndex] as Uint8Array, rng.bytes(32))
      let paid = 0
      for (const o of split.outputs) if (toHex(o.script) === ours) paid += Number(o.value)
      credit(out, t, time, paid)
      // In the pot: no output of its own, or the lottery's winner (a winner's output is the pot).
      const won = split.lottery?.winner === ours
      const owed = (split.earned.get(ours) ?? 0n) > 0n
      HORIZONS.forEach((days, h) => {
        if (time > days * DAY) return
        const tally = pot[h] as PotTally
        tally.blocks++
        if (won || (owed && paid === 0)) tally.inPot++
        if (won) tally.lotterySats += paid
      })
      // Shares found until the next block replace the oldest in the window.
      const gap = rng.exp(blockEvery)
      const mean = gap / params.shareInterval
      const fresh = mean > 3 * window ? window : Math.min(window, rng.poisson(mean))
      for (let k = 0; k < fresh; k++) {
        ring[head] = pick.draw(rng)
        head = (head + 1) % window
      }
      time += gap
    }
  }
  return { incomes: out, pot }
}

/** The block's split: of its finder's class when the finder runs small-coinbase firmware. */
function splitOf(params: ReturnType<typeof simParams>, c: Config, weights: Map<string, bigint>, finderIndex: number, finder: Uint8Array, seed: Uint8Array): PayoutSplit {
  const small = c.firmware !== undefined && (finderIndex % 100) < c.firmware.share * 100
  if (!small || c.firmware === undefined) return splitCoinbase(params, weights, COINBASE_VALUE, finder, seed)
  const limit = classLimit(params, classForBytes(params, c.firmware.bytes), SIM_SHAPE)
  if (limit === null) throw new Error('the firmware limit picks no byte class')
  return finishClassSplit(params, prepareSplit(params, weights, COINBASE_VALUE), finder, seed, limit)
}

/** Adds a payment at `time` to trial `t`'s income at every horizon that includes it. */
function credit(out: Float64Array[], t: number, time: number, sats: number): void {
  HORIZONS.forEach((days, h) => {
    const incomes = out[h] as Float64Array
    if (time <= days * DAY) incomes[t] = (incomes[t] as number) + sats
  })
}

function describe(c: Config, days: number, trials: number, incomes: Float64Array, pot: PotTally): VarianceRow {
  const blocksPerYear = ((c.coop === 0 ? MINER : c.coop) / NETWORK_HASHRATE) * (365 * DAY) / BITCOIN_BLOCK_SECONDS
  const expected = (MINER / NETWORK_HASHRATE) * ((days * DAY) / BITCOIN_BLOCK_SECONDS) * Number(COINBASE_VALUE)
  const rel = Array.from(incomes, (x) => x / expected).sort((a, b) => a - b)
  const percentiles = Object.fromEntries(PERCENTILES.map((p) => [`p${p}`, round(quantileSorted(rel, p / 100), 4)])) as VarianceRow['percentiles']
  return {
    label: c.label,
    horizonDays: days,
    coopHashrate: c.coop,
    members: c.coop === 0 ? 1 : Math.round(c.coop / MINER),
    maxOutputs: c.maxOutputs,
    trials,
    blocksPerYear: round(blocksPerYear, 5),
    expectedSats: round(expected, 0),
    meanOverExpected: round(mean(rel), 4),
    pZero: round(rel.filter((x) => x === 0).length / trials, 5),
    pBelowHalf: round(rel.filter((x) => x < 0.5).length / trials, 5),
    percentiles,
    cv: round(stdev(rel), 4),
    inPotRate: pot.blocks === 0 ? 0 : round(pot.inPot / pot.blocks, 5),
    viaLottery: round(pot.lotterySats / Math.max(1, incomes.reduce((s, x) => s + x, 0)), 5),
    cdf: CDF_GRID.map((x) => [round(x, 6), round(countAtMost(rel, x) / trials, 5)])
  }
}

/** Number of sorted values <= x (binary search). */
function countAtMost(sorted: readonly number[], x: number): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if ((sorted[mid] as number) <= x) lo = mid + 1
    else hi = mid
  }
  return lo
}
