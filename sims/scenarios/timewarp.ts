import { runTimewarp, STAMP_STRATEGIES, type StampStrategy, type TimewarpMeasures } from '../core/timewarp-run.js'
import { simParams } from '../core/scaling.js'
import { round } from '../core/stats.js'
import { fixed, int, pct, table } from '../report/markdown.js'
import { barChart } from '../report/svg.js'
import type { Scenario, ScenarioOptions } from '../scenario.js'
import { paramsLine, summarizeParams, type ParamsSummary } from './common.js'

/**
 * Hostile timestamps (issue 12): an attacker with 1 %, 10 % or 30 % of a constant hashrate stamps
 * its shares far ahead, at the least time allowed, alternately, or on a withheld branch; an
 * honest baseline on the same seed. Each run measures what honest miners face: their share rate,
 * the longest stall, how far ahead the median time past pushes their stamps, how far a target
 * moves, and what part of the PPLNS window the attacker holds.
 *
 * The "no cap" rows run the +7000 s attack with maxTimeStep at its largest (86,400 s): the cap
 * then never binds on such stamps, so chain time = header time, which is exactly protocol v1's
 * reading (raw header times in the median time past and unclamped solve times in the retarget).
 * Each such run counts the best-chain shares whose chain time differs from their header time:
 * zero means the run was v1's rules exactly.
 */
export interface TimewarpRow extends TimewarpMeasures {
  strategy: StampStrategy
  attackerShare: number
  maxTimeStep: number
  /** Hours of simulated mining. */
  hours: number
  /** Honest shares per hour on the best chain, and what the schedule gives honest hashrate. */
  honestPerHour: number
  honestTargetPerHour: number
  /** Best-chain shares whose chain time is below their header time (the cap bound). */
  cappedShares: number
  /** Honest miners mine on the timely share with the most work (SPEC.md §5.4); false: always on the best tip. */
  timelyPolicy: boolean
}

export interface TimewarpResult {
  seed: number
  params: ParamsSummary
  maxTimeStep: number
  hours: number
  rows: TimewarpRow[]
}

const SHARES = [0.01, 0.1, 0.3] as const
const NO_CAP_STEP = 86_400

interface RunSpec {
  strategy: StampStrategy
  attackerShare: number
  noCap: boolean
  /** false: honest nodes without the timely-tip policy (SPEC.md §5.4), as before it existed. */
  timelyPolicy: boolean
}

/** Every run of the scenario, in report order. */
function runSpecs(): RunSpec[] {
  const specs: RunSpec[] = []
  for (const strategy of STAMP_STRATEGIES) for (const attackerShare of SHARES) specs.push({ strategy, attackerShare, noCap: false, timelyPolicy: true })
  for (const attackerShare of SHARES) specs.push({ strategy: 'future-7000', attackerShare, noCap: true, timelyPolicy: false })
  for (const attackerShare of SHARES) specs.push({ strategy: 'withheld', attackerShare, noCap: false, timelyPolicy: false })
  return specs
}

const specKey = (r: { strategy: string; attackerShare: number; maxTimeStep: number; timelyPolicy: boolean }): string => `${r.strategy}/${r.attackerShare}/${r.maxTimeStep === NO_CAP_STEP}/${r.timelyPolicy}`

export const timewarp: Scenario<TimewarpResult> = {
  name: 'timewarp',
  title: 'Timewarp',
  summary: 'hostile timestamps (future, past, alternating, withheld branch) from 1 %, 10 %, 30 % of the hashrate: stalls, share rate, median time past',
  defaultSeed: 1,

  async run(opts: ScenarioOptions): Promise<TimewarpResult> {
    const params = simParams(opts.seed, opts.quick ? { windowShares: 60 } : {})
    const duration = opts.quick ? 2_400 : 12 * 3_600
    const hours = duration / 3_600
    const part = opts.part ?? { index: 0, count: 1 }
    const rows: TimewarpRow[] = []
    for (const [i, spec] of runSpecs().entries()) {
      if (i % part.count !== part.index) continue
      const runParams = spec.noCap ? simParams(opts.seed, { ...(opts.quick ? { windowShares: 60 } : {}), maxTimeStep: NO_CAP_STEP }) : params
      opts.log?.(`timewarp: ${spec.strategy} ${pct(spec.attackerShare, 0)}${spec.noCap ? ' (no cap)' : ''}${spec.timelyPolicy ? '' : ' (no timely-tip policy)'}`)
      const m = await runTimewarp({ seed: opts.seed, params: runParams, attackerShare: spec.attackerShare, strategy: spec.strategy, duration, timelyPolicy: spec.timelyPolicy })
      const { cappedShares, ...measures } = m
      rows.push({
        ...roundMeasures(measures),
        cappedShares,
        strategy: spec.strategy,
        attackerShare: spec.attackerShare,
        maxTimeStep: runParams.maxTimeStep,
        timelyPolicy: spec.timelyPolicy,
        hours,
        honestPerHour: round(m.honestShares / hours, 2),
        honestTargetPerHour: round(((1 - spec.attackerShare) * 3_600) / params.shareInterval, 2)
      })
    }
    return { seed: opts.seed, params: summarizeParams(params), maxTimeStep: params.maxTimeStep, hours, rows }
  },

  merge(parts: TimewarpResult[]): TimewarpResult {
    const first = parts[0]
    if (first === undefined) throw new Error('nothing to merge')
    const order = new Map(runSpecs().map((s, i) => [specKey({ ...s, maxTimeStep: s.noCap ? NO_CAP_STEP : 0 }), i]))
    const at = (r: TimewarpRow): number => order.get(specKey(r)) ?? Infinity
    return { ...first, rows: parts.flatMap((p) => p.rows).sort((a, b) => at(a) - at(b)) }
  },

  render(r: TimewarpResult) {
    return renderTimewarp(r)
  }
}

function roundMeasures(m: Omit<TimewarpMeasures, 'cappedShares'>): Omit<TimewarpMeasures, 'cappedShares'> {
  return {
    ...m,
    longestHonestGap: round(m.longestHonestGap, 1),
    worstSolveRatio: round(m.worstSolveRatio, 4),
    maxMtpExcess: round(m.maxMtpExcess, 1),
    secondsBeyondBitcoinLimit: round(m.secondsBeyondBitcoinLimit, 1),
    attackerWindowShare: round(m.attackerWindowShare, 5),
    maxTargetStepLog2: round(m.maxTargetStepLog2, 4),
    maxTargetDriftLog2: round(m.maxTargetDriftLog2, 4)
  }
}

const LABEL: Record<StampStrategy, string> = {
  honest: 'honest baseline',
  'future-7000': '+7000 s',
  'future-day': '+1 day',
  'future-max': 'time 2^32 - 1',
  past: 'median time past + 1',
  alternate: 'alternating +1 day / MTP + 1',
  withheld: 'withheld branch, +1 day',
  'withheld-honest': 'withheld branch, honest stamps (control)'
}

function rowLabel(row: TimewarpRow, capStep: number): string {
  if (row.maxTimeStep !== capStep) return `${LABEL[row.strategy]}, no cap (v1 rules)`
  return row.timelyPolicy ? LABEL[row.strategy] : `${LABEL[row.strategy]}, no timely-tip policy`
}

/** 2^x as a factor: "x1.12" or "/1.12". */
function factor(log2: number): string {
  const f = 2 ** Math.abs(log2)
  if (f > 1e6) return `2^${fixed(Math.abs(log2), 0)}`
  return `x${fixed(f, 3)}`
}

/**
 * The withheld branch against the same withholding with honest stamps, at each hashrate: the
 * timestamps' own part; and against nodes without the timely-tip policy.
 */
function withholdingLines(rows: TimewarpRow[], noPolicy: TimewarpRow[]): string[] {
  return SHARES.flatMap((share) => {
    const w = rows.find((x) => x.strategy === 'withheld' && x.attackerShare === share)
    const c = rows.find((x) => x.strategy === 'withheld-honest' && x.attackerShare === share)
    const b = rows.find((x) => x.strategy === 'honest' && x.attackerShare === share)
    const n = noPolicy.find((x) => x.strategy === 'withheld' && x.attackerShare === share)
    if (w === undefined || c === undefined || b === undefined) return []
    const before = n === undefined ? '' : ` Without the policy the same attack held ${pct(n.attackerWindowShare, 2)} of the window and pushed the median time past ${int(n.maxMtpExcess)} s ahead (${fixed(n.secondsBeyondBitcoinLimit, 0)} s beyond Bitcoin's 7,200 s limit; longest winning branch ${n.longestWonBranch} shares).`
    return [
      `- Withholding, ${pct(share, 0)}: with future stamps the attacker holds ${pct(w.attackerWindowShare, 2)} of the window, with honest stamps ${pct(c.attackerWindowShare, 2)}, honest ${pct(b.attackerWindowShare, 2)}; honest miners stamp at most ${int(Math.max(0, w.maxMtpExcess))} s ahead of the clock (honest stamps: ${int(Math.max(0, c.maxMtpExcess))} s), targets drift up to ${factor(w.maxTargetDriftLog2)} from the equilibrium and the longest honest gap is ${int(w.longestHonestGap)} s (${int(c.longestHonestGap)} s with honest stamps).${before}`
    ]
  })
}

function renderTimewarp(r: TimewarpResult) {
  const capped = r.rows.filter((x) => x.maxTimeStep === r.maxTimeStep && x.timelyPolicy)
  const noPolicy = r.rows.filter((x) => x.maxTimeStep === r.maxTimeStep && !x.timelyPolicy)
  const noCap = r.rows.filter((x) => x.maxTimeStep !== r.maxTimeStep)
  const row = (x: TimewarpRow) => [
    rowLabel(x, r.maxTimeStep),
    pct(x.attackerShare, 0),
    `${fixed(x.honestPerHour, 1)} / ${fixed(x.honestTargetPerHour, 1)}`,
    fixed(x.honestPerHour / x.honestTargetPerHour, 3),
    `${int(x.longestHonestGap)} s`,
    x.worstSolveRatio > 1e6 ? x.worstSolveRatio.toExponential(1) : fixed(x.worstSolveRatio, 3),
    `${pct(x.attackerWindowShare, 2)} (${pct(x.attackerShare, 0)})`,
    `${int(x.maxMtpExcess)} s`,
    factor(x.maxTargetStepLog2),
    factor(x.maxTargetDriftLog2),
    x.strategy.startsWith('withheld') ? `${x.releasesWon} won (longest ${x.longestWonBranch}), ${x.attackerStale} stale` : `${x.attackerStale}`
  ]
  const header = ['attacker stamps', 'hashrate', 'honest shares / h (target)', 'ratio', 'longest honest gap', 'worst expected solve time / interval', "attacker's part of the window (its hashrate)", 'largest MTP - clock', 'largest target step', 'largest drift from equilibrium', 'attacker stale shares']
  const baseline = (share: number) => capped.find((x) => x.strategy === 'honest' && x.attackerShare === share)
  const categories = STAMP_STRATEGIES.filter((s) => s !== 'honest').map((s) => LABEL[s])
  const series = SHARES.map((share) => ({
    name: `attacker ${pct(share, 0)}`,
    values: STAMP_STRATEGIES.filter((s) => s !== 'honest').map((s) => {
      const x = capped.find((y) => y.strategy === s && y.attackerShare === share)
      return x === undefined ? NaN : x.honestPerHour / x.honestTargetPerHour - 1
    })
  }))
  const rateChart = barChart({
    title: 'Honest share rate under hostile timestamps (protocol v2)',
    subtitle: `seed ${r.seed}; ${fixed(r.hours, 1)} h per run, constant hashrate; change against the schedule's rate for the honest hashrate`,
    yLabel: 'honest shares per hour vs schedule',
    categories,
    series,
    yFormat: (v) => `${v > 0 ? '+' : ''}${(v * 100).toFixed(0)} %`
  })
  const excessChart = barChart({
    title: 'How far ahead honest miners must stamp (largest median time past - clock)',
    subtitle: `seed ${r.seed}; maxTimeStep ${r.maxTimeStep} s; Bitcoin refuses headers more than 7,200 s ahead`,
    yLabel: 'seconds',
    categories: STAMP_STRATEGIES.map((s) => LABEL[s]),
    series: SHARES.map((share) => ({ name: `attacker ${pct(share, 0)}`, values: STAMP_STRATEGIES.map((s) => capped.find((y) => y.strategy === s && y.attackerShare === share)?.maxMtpExcess ?? NaN) })),
    yFormat: (v) => `${v.toFixed(0)} s`
  })
  const worst = (pick: (x: TimewarpRow) => number) => capped.filter((x) => x.strategy !== 'honest').reduce((a, b) => (pick(b) > pick(a) ? b : a))
  const slowest = capped.filter((x) => x.strategy !== 'honest').reduce((a, b) => (b.honestPerHour / b.honestTargetPerHour < a.honestPerHour / a.honestTargetPerHour ? b : a))
  const gap = worst((x) => x.longestHonestGap)
  const ahead = worst((x) => x.maxMtpExcess)
  const biased = worst((x) => x.attackerWindowShare / x.attackerShare)
  const setup = `seed ${r.seed}; one cooperative of constant hashrate, ${fixed(r.hours, 1)} simulated hours per run (~${int((r.hours * 3600) / r.params.shareInterval)} shares), instant propagation; ${paramsLine(r.params)}, maxTimeStep ${r.maxTimeStep} s`
  const md = [
    `Setup: ${setup}. Honest miners stamp max(clock, median time past + 1) and mine on the timely share with the most work (SPEC.md §5.4), as the node's job builder does; the attacker stamps as its row says, and every share is built by the real job code and applied by a real \`ShareChainState\`, so each hostile share is one the rules accept. A withholder mines on its own view, publishes its branch when it has more work and one honest share could overtake it (no length limit: the longest branch it can win), and gives up, publishing for what uncle credit it gets, once two honest shares behind. Each run shares its seed with the honest baseline of the same hashrate.`,
    '',
    `Columns: honest shares per hour on the final best chain against the schedule's rate for the honest hashrate; the longest simulated time between honest best-chain shares (run start and end included; a stall shows here); the largest expected time the whole cooperative needed for the next share at any public tip, over the ${r.params.shareInterval} s interval; the attacker's mean part of the PPLNS window weight (after the first window) beside its hashrate; the largest excess of the median time past over the clock (honest miners must stamp at least that far ahead); the largest change of one share's target over its parent's, and the largest distance of any best-chain target from the equilibrium (hashrate is constant, so the schedule's target never moves).`,
    '',
    table(header, capped.map(row)),
    '',
    `- Honest share rate: the slowest attacked run is ${rowLabel(slowest, r.maxTimeStep)} at ${pct(slowest.attackerShare, 0)}, ${fixed(slowest.honestPerHour / slowest.honestTargetPerHour, 3)} of the schedule (its baseline: ${fixed((baseline(slowest.attackerShare)?.honestPerHour ?? NaN) / slowest.honestTargetPerHour, 3)}).`,
    `- Stalls: the longest honest gap in any attacked run is ${int(gap.longestHonestGap)} s (${rowLabel(gap, r.maxTimeStep)}, ${pct(gap.attackerShare, 0)}; its baseline's: ${int(baseline(gap.attackerShare)?.longestHonestGap ?? NaN)} s); no public tip ever asked more than ${fixed(worst((x) => x.worstSolveRatio).worstSolveRatio, 2)} intervals of the whole cooperative's hashrate.`,
    `- Median time past: honest miners had to stamp at most ${int(ahead.maxMtpExcess)} s ahead of their clock (${rowLabel(ahead, r.maxTimeStep)}, ${pct(ahead.attackerShare, 0)}), against Bitcoin's 7,200 s future limit; ${capped.some((x) => x.secondsBeyondBitcoinLimit > 0) ? '**some runs crossed it**' : 'no run crossed it'}.`,
    `- Window: the attacker's largest part of the window relative to its hashrate is ${fixed(biased.attackerWindowShare / biased.attackerShare, 3)}x (${rowLabel(biased, r.maxTimeStep)}, ${pct(biased.attackerShare, 0)}: ${pct(biased.attackerWindowShare, 2)} of the weight); the honest baselines show what luck alone gives.`,
    ...withholdingLines(capped, noPolicy),
    '',
    `Why future stamps on a withheld branch no longer pay: each future-stamped private share advances its branch's chain time up to maxTimeStep (${r.maxTimeStep} s) while little real time passes, so the branch's targets ease by 2^((maxTimeStep - interval) / half-life) a share, down to the cooperative maximum, and its shares get cheap. Without a clock, no rule can tell this from a cooperative that lost hashrate (SPEC.md §5.1). Honest nodes' clocks can: a node mines on the timely share with the most work (SPEC.md §5.4), and a released branch whose chain time is ahead of the clock is not timely, so honest work never goes on top of it; it loses on work. The rows marked "no timely-tip policy" replay the attack against nodes that always mine on the best tip (hashcoop before the policy), where a winning branch handed honest miners its chain time and its median time past, and the excess added up from branch to branch.`,
    '',
    noPolicy.length === 0 ? '' : table(header, noPolicy.map(row)),
    '',
    noCap.length === 0
      ? ''
      : `**Protocol v1 comparison.** The +7000 s attack with maxTimeStep ${int(NO_CAP_STEP)} s: best-chain shares whose chain time differs from their header time: ${noCap.map((x) => `${x.cappedShares} (${pct(x.attackerShare, 0)})`).join(', ')}${noCap.every((x) => x.cappedShares === 0) ? ', so these runs applied v1\'s rules exactly (raw header times in the median time past and the retarget)' : ' (the cap bound somewhere: these rows only approximate v1)'}. The other v1 attacks (+1 day, 2^32 - 1) cannot be replayed faithfully this way: maxTimeStep is at most a day, so the cap still binds on them.\n\n${table(header, noCap.map(row))}`,
    '',
    '![honest share rate](sims/timewarp-rate.svg)',
    '',
    '![median time past excess](sims/timewarp-mtp.svg)'
  ].join('\n')
  return { markdown: md, charts: [{ file: 'timewarp-rate.svg', svg: rateChart }, { file: 'timewarp-mtp.svg', svg: excessChart }] }
}
