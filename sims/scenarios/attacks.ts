import { tallyRun, type RunTally } from '../core/accounting.js'
import { applyTimings, runSimulation, type MinerBehaviour, type SimConfig, type SimRun } from '../core/engine.js'
import { FLOOD_KINDS, type FloodKind } from '../core/envelope.js'
import { networkForBlockEvery, PH, simParams } from '../core/scaling.js'
import { defaultParams } from '../../protocol/params.js'
import { bitsToTarget, targetToWork } from '../../src/bitcoin/target.js'
import { payoutScript } from '../core/scripts.js'
import { median, round, sum } from '../core/stats.js'
import { fixed, int, pct, signedPct, table } from '../report/markdown.js'
import { barChart } from '../report/svg.js'
import type { Scenario, ScenarioOptions } from '../scenario.js'
import { paramsLine, ratio, summarizeParams, type ParamsSummary } from './common.js'

/**
 * Attacks, each run against a baseline on the same seed where the attacker is honest:
 *  - block withholding by a 10 % miner (it submits shares, discards the ones that are blocks);
 *  - a 30 % miner that ignores everyone else's shares and builds only on its own;
 *  - a flood of invalid shares of every kind, from a node that mines nothing.
 * The honest miners' loss is their expected revenue per unit of work they found, against the
 * baseline (per unit of work, so that the luck of how many shares each run found cancels).
 */
export interface AttackRun {
  shares: number
  blocks: number
  expectedBlocks: number
  withheld: number
  /** Work found at heights where revenue is counted (accounting.ts, candidateWork). */
  honestWork: number
  attackerWork: number
  honestRevenue: number
  attackerRevenue: number
  honestStaleRate: number
  attackerStaleRate: number
  /** Part of the best chain's credited work that pays the attacker. */
  attackerCreditShare: number
}

export interface MiningAttack {
  attackerHashrateShare: number
  behaviour: MinerBehaviour
  baseline: AttackRun
  attack: AttackRun
  /** 1 - (honest revenue per unit of honest work, attack / baseline). */
  honestLoss: number
  attackerLoss: number
  /** Blocks the cooperative found per share, attack / baseline - 1 (expected, from published shares). */
  blockRateChange: number
  /** The attacker's part of all work found in the attack run. */
  attackerWorkShare: number
  /**
   * Run-to-run noise: honest income per unit of work in a second honest baseline (another seed)
   * against the first, as a change; differences of this size mean nothing.
   */
  noise: number
  /** The same for the attacker's income (a smaller miner: noisier). */
  attackerNoise: number
}

export interface FloodKindRow {
  kind: FloodKind
  sent: number
  /** Reason codes the honest nodes' ShareChainState gave, with counts (applications on all nodes). */
  reasons: Record<string, number>
  /** Work the attacker spends per entry, as a fraction of one honest share's work. */
  attackerWork: number
}

export interface FloodResult {
  honestNodes: number
  ratePerSecond: number
  sent: number
  accepted: number
  rows: FloodKindRow[]
  /**
   * Work an entry must carry to reach stage 2 under mainnet's defaults (maxShareBits), as a
   * fraction of one share of this cooperative at its share interval.
   */
  mainnetStage2Work: number
  /** The honest best chain with and without the flood is the same chain (same tip id). */
  sameChain: boolean
  honestLoss: number
  wallClock: {
    /** Median microseconds a node spends applying one entry, by outcome. */
    microsPerEntry: Record<string, number>
  }
}

export interface AttacksResult {
  seed: number
  params: ParamsSummary
  sharesPerRun: number
  blockEveryShares: number
  latencyMs: number
  withholding: MiningAttack
  selfish: MiningAttack
  flood: FloodResult
}

const COOP = 100 * PH
const LATENCY = 0.2
const BLOCK_EVERY = 40

export const attacks: Scenario<AttacksResult> = {
  name: 'attacks',
  title: 'Attacks',
  summary: 'block withholding (10 %), own-shares-only mining (30 %), invalid-share flood: what honest miners lose',
  defaultSeed: 1,

  async run(opts: ScenarioOptions): Promise<AttacksResult> {
    const params = simParams(opts.seed, opts.quick ? { windowShares: 40 } : {})
    const shares = opts.quick ? 150 : 4_000
    const base = { seed: opts.seed, params, latency: { kind: 'pairwise', meanSeconds: LATENCY } as const, duration: shares * params.shareInterval, networkHashrate: networkForBlockEvery(params, COOP, BLOCK_EVERY) }
    opts.log?.('attacks: block withholding')
    const withholding = await miningAttack(base, [0.1, ...Array<number>(6).fill(0.15)], 'withhold-blocks', 0)
    opts.log?.('attacks: own-shares-only')
    const selfish = await miningAttack(base, [0.3, ...Array<number>(7).fill(0.1)], 'own-shares-only', base.duration * 0.1)
    opts.log?.('attacks: invalid-share flood')
    const flood = await floodAttack(base, opts.quick)
    return { seed: opts.seed, params: summarizeParams(params), sharesPerRun: shares, blockEveryShares: BLOCK_EVERY, latencyMs: LATENCY * 1000, withholding, selfish, flood }
  },

  render(r: AttacksResult) {
    const setup = `seed ${r.seed}; 100 PH/s cooperative, one miner per node, one-way latency ${r.latencyMs} ms (mean), ~${int(r.sharesPerRun)} shares per run, one share in ${r.blockEveryShares} a block; ${paramsLine(r.params)}`
    const row = (name: string, a: MiningAttack) => [
      name,
      `${int(a.baseline.expectedBlocks)} -> ${int(a.attack.expectedBlocks)}`,
      `${a.baseline.blocks} -> ${a.attack.blocks}`,
      pct(a.attack.honestStaleRate, 1),
      pct(a.attack.attackerStaleRate, 1),
      pct(a.attack.attackerCreditShare, 1),
      signedPct(-a.honestLoss, 1),
      signedPct(-a.attackerLoss, 1),
      `${signedPct(a.noise, 1)} / ${signedPct(a.attackerNoise, 1)}`
    ]
    const chart = barChart({
      title: 'Income per unit of work, attack vs honest baseline',
      subtitle: `seed ${r.seed}; 100 PH/s cooperative, ~${int(r.sharesPerRun)} shares per run; same seed with the attacker honest as baseline`,
      yLabel: 'change in income per unit of work',
      categories: ['withholding 10 %', 'own shares only 30 %', 'invalid flood'],
      series: [
        { name: 'honest miners', values: [-r.withholding.honestLoss, -r.selfish.honestLoss, -r.flood.honestLoss] },
        { name: 'attacker', values: [-r.withholding.attackerLoss, -r.selfish.attackerLoss, 0] }
      ],
      yFormat: (v) => signedPct(v, 0)
    })
    const f = r.flood
    const md = [
      `Setup: ${setup}. Each attack is compared with a baseline run on the same seed in which the attacker mines honestly. Income is expected revenue (P(block) x the real coinbase split, over every published share at heights >= the window) per unit of work found at those heights, so that run-to-run luck in the number of shares cancels; the last column is what two honest runs on different seeds differ by, the yardstick for what is noise.`,
      '',
      table(
        ['attack', 'expected blocks (baseline -> attack)', 'real blocks', 'honest stale', 'attacker stale', "attacker's part of credited work", 'honest income / work', 'attacker income / work', 'noise: honest / attacker (two honest runs, two seeds)'],
        [row(`withhold blocks, ${pct(r.withholding.attackerHashrateShare, 0)} miner`, r.withholding), row(`own shares only, ${pct(r.selfish.attackerHashrateShare, 0)} miner`, r.selfish)]
      ),
      '',
      `- Withholding: the cooperative finds ${signedPct(r.withholding.blockRateChange, 1)} blocks per unit of work (the withholder did ${pct(r.withholding.attackerWorkShare, 1)} of it); the withholder still draws its share of every window, so honest miners lose ${pct(r.withholding.honestLoss, 1)} of their income per unit of work and the withholder ${pct(r.withholding.attackerLoss, 1)} of its own. Withholding is sabotage, not profit, inside the cooperative; shares cannot reveal it, only a block rate below what the share work predicts (what the auditor can check over months).`,
      `- Own shares only: the attacker's branch loses every fork-choice race (${pct(r.selfish.attackerHashrateShare, 0)} of the work against ${pct(1 - r.selfish.attackerHashrateShare, 0)}), so ${pct(r.selfish.attack.attackerStaleRate, 1)} of its shares end off the best chain and honest shares almost never credit them (an uncle must fork from the includer's branch). Its blocks pay its own branch's window: it is mining solo with extra steps. Honest income per unit of work changes by ${signedPct(-r.selfish.honestLoss, 1)}, against run-to-run noise of ${signedPct(r.selfish.noise, 1)}.`,
      '',
      `**Invalid-share flood.** A node that mines nothing sends ${int(f.sent)} invalid entries (${fixed(f.ratePerSecond, 1)} a second, every kind in turn) to ${f.honestNodes} honest nodes. Accepted: **${f.accepted}**. Honest best chain identical to the baseline run's: **${f.sameChain ? 'yes' : 'no'}** (honest loss ${pct(f.honestLoss, 2)}). The cost falls on the honest nodes' CPU:`,
      '',
      table(
        ['entry', 'sent', 'rejected as (count over all nodes)', 'attacker work per entry (honest share = 1)', 'node time per entry (median)'],
        f.rows.map((k) => [k.kind, k.sent, Object.entries(k.reasons).map(([reason, n]) => `${reason} x${n}`).join(', '), k.attackerWork === 0 ? '0' : fixed(k.attackerWork, 4), micros(f.wallClock.microsPerEntry[k.kind === 'malformed' ? 'malformed' : k.kind])])
      ),
      '',
      `For comparison, applying a valid share takes ${micros(f.wallClock.microsPerEntry.accepted)} on the same nodes (times are wall-clock on this machine while the report ran, and include writing the invalid!<seq> record to the view). Entries refused in stage 1 cost the attacker nothing and the node a fraction of a valid share; entries that reach stage 2 must carry proof of work at the cooperative maximum target: ${fixed(f.rows.find((k) => k.kind === 'bad-share-target')?.attackerWork ?? NaN, 4)} of a share in the simulation, ${fixed(f.mainnetStage2Work, 6)} of a share of a 100 PH/s cooperative under mainnet's maxShareBits (difficulty 65,536). That bound is cheap for an attacker on mainnet; what keeps a stage-2 flood harmless is that each such entry costs a node less than a valid share does and none is ever accepted.`,
      '',
      '![attacks](sims/attacks.svg)'
    ].join('\n')
    return { markdown: md, charts: [{ file: 'attacks.svg', svg: chart }] }
  }
}

function micros(v: number | undefined): string {
  return v === undefined ? 'n/a' : `${fixed(v, 0)} µs`
}

type BaseConfig = Pick<SimConfig, 'seed' | 'params' | 'latency' | 'duration' | 'networkHashrate'>

async function miningAttack(base: BaseConfig, shares: number[], behaviour: MinerBehaviour, attackStart: number): Promise<MiningAttack> {
  const config = (attacker: MinerBehaviour): SimConfig => ({
    ...base,
    nodeCount: shares.length,
    miners: shares.map((s, i) => ({ node: i, hashrate: s * COOP, script: payoutScript(i), behaviour: i === 0 ? attacker : 'honest' })),
    attackStart
  })
  const baseline = summarize(await runSimulation(config('honest')))
  const attack = summarize(await runSimulation(config(behaviour)))
  const other = summarize(await runSimulation({ ...config('honest'), seed: base.seed + 1_000_000 }))
  const perWork = (revenue: number, work: number): number => (work === 0 ? 0 : revenue / work)
  return {
    attackerHashrateShare: shares[0] as number,
    behaviour,
    baseline,
    attack,
    honestLoss: round(1 - perWork(attack.honestRevenue, attack.honestWork) / perWork(baseline.honestRevenue, baseline.honestWork), 5),
    attackerLoss: round(1 - perWork(attack.attackerRevenue, attack.attackerWork) / perWork(baseline.attackerRevenue, baseline.attackerWork), 5),
    blockRateChange: round(attack.expectedBlocks / (attack.honestWork + attack.attackerWork) / (baseline.expectedBlocks / (baseline.honestWork + baseline.attackerWork)) - 1, 5),
    attackerWorkShare: ratio(attack.attackerWork, attack.attackerWork + attack.honestWork),
    noise: round(perWork(other.honestRevenue, other.honestWork) / perWork(baseline.honestRevenue, baseline.honestWork) - 1, 5),
    attackerNoise: round(perWork(other.attackerRevenue, other.attackerWork) / perWork(baseline.attackerRevenue, baseline.attackerWork) - 1, 5)
  }
}

function summarize(run: SimRun): AttackRun {
  const t: RunTally = tallyRun(run, { expectedRevenue: true })
  const [attacker, ...honest] = t.miners
  if (attacker === undefined) throw new Error('no attacker')
  const credited = sum(t.miners.map((m) => m.creditedWork))
  return {
    shares: t.published + t.withheld,
    blocks: t.blocks,
    expectedBlocks: round(t.expectedBlocks, 3),
    withheld: t.withheld,
    honestWork: round(sum(honest.map((m) => m.candidateWork)), 4),
    attackerWork: round(attacker.candidateWork, 4),
    honestRevenue: round(sum(honest.map((m) => m.expectedRevenue)), 0),
    attackerRevenue: round(attacker.expectedRevenue, 0),
    honestStaleRate: ratio(sum(honest.map((m) => m.uncle + m.orphan)), sum(honest.map((m) => m.published))),
    attackerStaleRate: ratio(attacker.uncle + attacker.orphan, attacker.published),
    attackerCreditShare: ratio(attacker.creditedWork, credited)
  }
}

async function floodAttack(base: BaseConfig, quick: boolean): Promise<FloodResult> {
  const honestNodes = 6
  const duration = quick ? base.duration : Math.min(base.duration, 600 * base.params.shareInterval)
  const ratePerSecond = quick ? 0.5 : 2
  const config = (withFlood: boolean): SimConfig => ({
    ...base,
    duration,
    nodeCount: honestNodes + 1,
    miners: Array.from({ length: honestNodes }, (_, i) => ({ node: i, hashrate: COOP / honestNodes, script: payoutScript(i) })),
    measureWallClock: true,
    ...(withFlood ? { flood: { node: honestNodes, ratePerSecond, kinds: FLOOD_KINDS, start: duration * 0.1, end: duration * 0.9 } } : {})
  })
  const baseline = await runSimulation(config(false))
  const flooded = await runSimulation(config(true))
  const honest = flooded.nodes.slice(0, honestNodes)
  const reasonsOf = (kind: FloodKind): Record<string, number> => {
    const out: Record<string, number> = {}
    for (const n of honest) for (const rej of n.rejected) if (rej.intent === kind) out[rej.reason] = (out[rej.reason] ?? 0) + 1
    return out
  }
  // Every injected entry reaches every honest node and is either refused (recorded with its intent)
  // or accepted; replays aside, no injected id may be in any honest node's chain.
  const refused = sum(honest.map((n) => n.rejected.filter((rej) => rej.intent !== 'honest').length))
  const held = sum(honest.map((n) => n.heldCount))
  const accepted = flooded.injected.length * honestNodes - refused - held
  const foreign = flooded.injected.filter((e) => e.intent !== 'duplicate' && honest.some((n) => n.has(e.id))).length
  if (foreign > 0 || held > 0) throw new Error(`flood: ${foreign} injected shares in honest chains, ${held} still held`)
  const shareWork = Number(targetToWork(bitsToTarget(base.params.initialShareBits)))
  const maxWork = Number(targetToWork(bitsToTarget(base.params.maxShareBits)))
  const work: Record<FloodKind, number> = {
    malformed: 0,
    duplicate: 0,
    'noncanonical-bits': 0,
    'target-above-max': 0,
    'high-hash': round(1 / shareWork, 6),
    'unknown-parent': round(maxWork / shareWork, 6),
    'bad-share-target': round(maxWork / shareWork, 6),
    'bad-merkle-root': 1
  }
  const timings = new Map<string, number[]>()
  for (const t of applyTimings(flooded).slice(0, honestNodes)) for (const [k, v] of t) timings.set(k, [...(timings.get(k) ?? []), ...v])
  // Timings are keyed by outcome; each kind is refused for one reason, so report by that reason.
  const microsPerEntry: Record<string, number> = {}
  for (const kind of FLOOD_KINDS) {
    const reason = Object.keys(reasonsOf(kind))[0]
    const samples = reason === undefined ? undefined : timings.get(reason)
    if (samples !== undefined && samples.length > 0) microsPerEntry[kind] = round(median(samples) / 1000, 1)
  }
  const valid = timings.get('accepted')
  if (valid !== undefined) microsPerEntry.accepted = round(median(valid) / 1000, 1)
  const sameChain = baseline.auditor.tipHex === flooded.auditor.tipHex
  // The flood is shorter than a window: count every share's coinbase (same chains compare exactly).
  const revenue = (run: SimRun): number => sum(tallyRun(run, { expectedRevenue: true, revenueFromHeight: 0 }).miners.map((m) => m.expectedRevenue))
  return {
    honestNodes,
    ratePerSecond,
    sent: flooded.injected.length,
    accepted,
    mainnetStage2Work: round(Number(targetToWork(bitsToTarget(defaultParams('mainnet', new Uint8Array(32), 0).maxShareBits))) / (COOP * base.params.shareInterval), 8),
    rows: FLOOD_KINDS.map((kind) => ({ kind, sent: flooded.injected.filter((e) => e.intent === kind).length, reasons: reasonsOf(kind), attackerWork: work[kind] })),
    sameChain,
    honestLoss: round(1 - revenue(flooded) / revenue(baseline), 6),
    wallClock: { microsPerEntry }
  }
}
