import { bitsToTarget, targetToWork } from '../../src/bitcoin/target.js'
import type { BlockFields } from '../../src/sharechain/build.js'
import type { ShareRecord } from '../../src/sharechain/chain.js'
import { ShareChain } from '../../src/sharechain/chain.js'
import type { CoopParams } from '../../protocol/params.js'
import { shareEnvelope, type Envelope } from './envelope.js'
import { mintShare, simBlockFields } from './mint.js'
import { FullNode } from './nodes.js'
import { Rng } from './rng.js'
import { COINBASE_VALUE, makeScale, NETWORK_HASHRATE, SIM_GENESIS_TIME, type Scale } from './scaling.js'
import { payoutScript } from './scripts.js'
import { chooseTimelyParent } from '../../src/work/timely-tip.js'

/**
 * One cooperative of constant hashrate, honest miners plus one attacker who chooses its header
 * times, on the real consensus code: every share is built by the real job code on a real
 * ShareChainState's view and applied by it; targets, median time past, chain times, fork choice
 * and the PPLNS window are read back from src/sharechain. Propagation is instant (a single public
 * view), so what is measured is the timestamps' effect alone.
 *
 * Honest miners stamp max(clock, minTime), as the node's job builder does (src/work/manager.ts).
 * A withholding attacker keeps a second node: its private view, which sees every honest share at
 * once and its own shares before anyone else.
 */
export type StampStrategy =
  /** The attacker mines honestly: the baseline. */
  | 'honest'
  /** Every attacker share 7000 s ahead of the clock (what a v1 stratum let through). */
  | 'future-7000'
  /** Every attacker share a day ahead (an optimistic append accepted anything). */
  | 'future-day'
  /** Every attacker share at the largest header time there is, 2^32 - 1. */
  | 'future-max'
  /** Every attacker share at the least time allowed, median time past + 1: tightens the next target. */
  | 'past'
  /** Attacker shares alternate: a day ahead, then median time past + 1. */
  | 'alternate'
  /** Mines a private branch stamped a day ahead; publishes it once it has more work and honest miners could catch up with one share, or after `maxPrivate` shares. */
  | 'withheld'
  /** The same withholding with honest stamps: the control that tells the timestamps' part from plain selfish mining. */
  | 'withheld-honest'

export const STAMP_STRATEGIES: readonly StampStrategy[] = ['honest', 'future-7000', 'future-day', 'future-max', 'past', 'alternate', 'withheld', 'withheld-honest']

export interface TimewarpConfig {
  seed: number
  params: CoopParams
  /** Attacker's part of the cooperative's hashrate, 0-1. */
  attackerShare: number
  strategy: StampStrategy
  /** Simulated seconds of mining. */
  duration: number
  /** Longest private branch a withholder keeps before it publishes regardless (default: no limit). */
  maxPrivate?: number
  /** false: honest miners always mine on the public tip (protocol v2 nodes before the timely-tip policy). */
  timelyPolicy?: boolean
}

export interface TimewarpMeasures {
  /** Honest shares on the final best chain. */
  honestShares: number
  attackerShares: number
  /** Attacker shares published and off the best chain (orphans and uncles). */
  attackerStale: number
  /** Longest simulated seconds between honest shares that ended on the best chain (run start and end included). */
  longestHonestGap: number
  /** Most seconds the whole cooperative expected to spend on the next share of the public tip, over the interval. */
  worstSolveRatio: number
  /** Largest (median time past - clock) at a public tip: how far ahead honest miners had to stamp. */
  maxMtpExcess: number
  /** Seconds during which honest miners had to stamp more than Bitcoin's 2-hour future limit ahead. */
  secondsBeyondBitcoinLimit: number
  /** Mean over best-chain shares (after the first window) of the attacker's part of the PPLNS window weight. */
  attackerWindowShare: number
  /** Largest |log2| of one share's target over its parent's, on the best chain. */
  maxTargetStepLog2: number
  /** Largest |log2| of a best-chain share's target over the equilibrium target (hashrate is constant). */
  maxTargetDriftLog2: number
  /** Private branches the withholder published while they had more work (they became the best chain). */
  releasesWon: number
  /** Most shares in one released branch that became the best chain. */
  longestWonBranch: number
  /** Best-chain shares whose chain time is below their header time: where maxTimeStep bound. */
  cappedShares: number
}

const BITCOIN_FUTURE_LIMIT = 7200
const HONEST = 0
const ATTACKER = 1
const U32_MAX = 0xffffffff
const DAY = 86_400

export async function runTimewarp(config: TimewarpConfig): Promise<TimewarpMeasures> {
  const run = new TimewarpRun(config)
  await run.run()
  return run.measure()
}

interface Found {
  miner: number
  foundAt: number
}

class TimewarpRun {
  private readonly publicNode: FullNode
  /** The withholder's own view (null unless withholding): every honest share plus its private ones. */
  private readonly privateNode: FullNode | null
  private readonly scale: Scale
  private readonly block: BlockFields
  private readonly rngs: [Rng, Rng]
  private readonly hashrates: [number, number]
  private readonly next: [number, number] = [Infinity, Infinity]
  /** The parent each miner's current job is on (what `next` was drawn for). */
  private readonly jobParents: [string | null, string | null] = [null, null]
  private readonly counters: [number, number] = [0, 0]
  private readonly found = new Map<string, Found>()
  private now = 0
  private seq = 0
  private attackerStamps = 0
  /** The withholder's unpublished shares, oldest first, and the tip they build. */
  private privateBranch: Envelope[] = []
  private releasesWon = 0
  private longestWonBranch = 0
  private worstSolveRatio = 0
  private maxMtpExcess = -Infinity
  private beyondLimitSince: number | null = null
  private secondsBeyondLimit = 0

  constructor(private readonly config: TimewarpConfig) {
    const { params, seed, attackerShare } = config
    if (!(attackerShare >= 0 && attackerShare < 1)) throw new RangeError('the attacker share must be in [0, 1)')
    const id = new ShareChain(params).consensusId
    this.publicNode = new FullNode(0, id)
    this.privateNode = config.strategy === 'withheld' || config.strategy === 'withheld-honest' ? new FullNode(1, id) : null
    this.scale = makeScale(params, 1, NETWORK_HASHRATE / 1e15)
    this.block = simBlockFields(Rng.stream(seed, 'template'), COINBASE_VALUE, 2)
    this.rngs = [Rng.stream(seed, 'timewarp/honest'), Rng.stream(seed, 'timewarp/attacker')]
    this.hashrates = [(1 - attackerShare) * this.scale.virtualPerReal, attackerShare * this.scale.virtualPerReal]
  }

  async run(): Promise<void> {
    await this.publicNode.init(this.config.params)
    await this.privateNode?.init(this.config.params)
    this.schedule(HONEST)
    this.schedule(ATTACKER)
    for (;;) {
      const miner = this.next[HONEST] <= this.next[ATTACKER] ? HONEST : ATTACKER
      if (this.next[miner] > this.config.duration) break
      this.now = this.next[miner]
      if (miner === HONEST) await this.honestFinds()
      else await this.attackerFinds()
    }
    this.now = this.config.duration
    this.closeLimitSpan()
  }

  private get attackerNode(): FullNode {
    return this.privateNode ?? this.publicNode
  }

  private get clock(): number {
    return SIM_GENESIS_TIME + Math.floor(this.now)
  }

  private record(node: FullNode, idHex: string | null): ShareRecord | undefined {
    return idHex === null ? undefined : node.chain.get(idHex)
  }

  /**
   * Honest miners mine on the timely share with the most work (src/work/timely-tip.ts, as the
   * node's job builder does); the attacker on its private branch, else on the public tip.
   */
  private parentOf(miner: number): string | null {
    if (miner === ATTACKER && this.privateBranch.length > 0) return (this.privateBranch.at(-1) as Envelope).id
    if (miner === ATTACKER || this.config.timelyPolicy === false) return this.publicNode.tipHex
    const tip = this.record(this.publicNode, this.publicNode.tipHex)
    return chooseTimelyParent(this.publicNode.chain, tip, this.clock, this.config.params.maxTimeStep).parent?.idHex ?? null
  }

  /** Draws `miner`'s next find from now on its current job: memoryless, so redrawing on a job change is exact. */
  private schedule(miner: number): void {
    const node = miner === HONEST ? this.publicNode : this.attackerNode
    const rate = this.hashrates[miner] as number
    if (rate === 0) return
    const parent = this.parentOf(miner)
    this.jobParents[miner] = parent
    if (miner === HONEST) this.sampleHonestJob(parent)
    const target = bitsToTarget(node.chain.expectedBits(this.record(node, parent)))
    this.next[miner] = this.now + (this.rngs[miner] as Rng).exp(Number(targetToWork(target)) / rate)
  }

  private nextCounter(miner: number): number {
    this.counters[miner] = (this.counters[miner] ?? 0) + 1
    return this.counters[miner]
  }

  private async mine(miner: number, node: FullNode, stamp: (clock: number, minTime: number) => number): Promise<Envelope> {
    const base = await node.workBaseOn(this.jobParents[miner] as string | null)
    const share = mintShare({ base, block: this.block, script: payoutScript(miner), miner, counter: this.nextCounter(miner), time: Math.min(U32_MAX, stamp(this.clock, base.minTime)), blockBits: this.scale.blockBits })
    const env = shareEnvelope(this.seq++, share, node.index, miner, 'honest')
    this.found.set(env.id, { miner, foundAt: this.now })
    return env
  }

  private async publish(env: Envelope): Promise<void> {
    await this.publicNode.deliver(env)
    if (!this.publicNode.has(env.id)) throw new Error(`the public node refused a ${env.miner === HONEST ? 'honest' : 'hostile'} share: ${JSON.stringify(this.publicNode.rejected.at(-1))}`)
  }

  private async honestFinds(): Promise<void> {
    const env = await this.mine(HONEST, this.publicNode, (clock, minTime) => Math.max(clock, minTime))
    await this.publish(env)
    await this.privateNode?.deliver(env)
    if (this.privateNode !== null) await this.withholderDecides()
    this.schedule(HONEST)
    this.schedule(ATTACKER)
  }

  private async attackerFinds(): Promise<void> {
    const n = this.attackerStamps++
    const env = await this.mine(ATTACKER, this.attackerNode, (clock, minTime) => hostileTime(this.config.strategy, n, clock, minTime))
    if (this.privateNode === null) {
      await this.publish(env)
      this.schedule(HONEST)
    } else {
      await this.privateNode.deliver(env)
      if (!this.privateNode.has(env.id)) throw new Error(`the attacker's node refused its share: ${JSON.stringify(this.privateNode.rejected.at(-1))}`)
      this.privateBranch.push(env)
      await this.withholderDecides()
      this.schedule(HONEST)
    }
    this.schedule(ATTACKER)
  }

  /**
   * The withholder publishes its branch once it has more work than the public chain and either one
   * honest share could overtake it or it is `maxPrivate` long; it gives up (publishes for what
   * uncle credit it gets, and mines on the public tip again) once two public shares ahead.
   */
  private async withholderDecides(): Promise<void> {
    const priv = this.privateNode
    const tipEnv = this.privateBranch.at(-1)
    if (priv === null || tipEnv === undefined) return
    const privateWork = (this.record(priv, tipEnv.id) as ShareRecord).cumWork
    const publicTip = this.record(this.publicNode, this.publicNode.tipHex)
    const publicWork = publicTip?.cumWork ?? 0n
    const nextPublicWork = targetToWork(bitsToTarget(this.publicNode.chain.expectedBits(publicTip)))
    const ahead = privateWork > publicWork
    const release = ahead && (privateWork - publicWork < nextPublicWork || this.privateBranch.length >= (this.config.maxPrivate ?? Infinity))
    const giveUp = !ahead && publicWork - privateWork >= 2n * nextPublicWork
    if (!release && !giveUp) return
    const branch = this.privateBranch
    this.privateBranch = []
    for (const env of branch) await this.publish(env)
    if (release && this.publicNode.tipHex === tipEnv.id) {
      this.releasesWon++
      this.longestWonBranch = Math.max(this.longestWonBranch, branch.length)
    }
  }

  /** Samples what honest miners face on each job: its target, and how far ahead they must stamp. */
  private sampleHonestJob(parentHex: string | null): void {
    const chain = this.publicNode.chain
    const tip = this.record(this.publicNode, parentHex)
    const work = Number(targetToWork(bitsToTarget(chain.expectedBits(tip))))
    const total = this.hashrates[HONEST] + this.hashrates[ATTACKER]
    this.worstSolveRatio = Math.max(this.worstSolveRatio, work / total / this.config.params.shareInterval)
    const excess = chain.medianTimePast(tip) - (SIM_GENESIS_TIME + this.now)
    this.maxMtpExcess = Math.max(this.maxMtpExcess, excess)
    if (excess + 1 > BITCOIN_FUTURE_LIMIT) this.beyondLimitSince ??= this.now
    else this.closeLimitSpan()
  }

  private closeLimitSpan(): void {
    if (this.beyondLimitSince === null) return
    this.secondsBeyondLimit += this.now - this.beyondLimitSince
    this.beyondLimitSince = null
  }

  measure(): TimewarpMeasures {
    const chain = this.publicNode.chain
    const best = [...chain.ancestry(this.record(this.publicNode, this.publicNode.tipHex))].reverse()
    const minerOf = (r: ShareRecord): number => this.found.get(r.idHex)?.miner ?? -1
    const honestTimes = best.filter((r) => minerOf(r) === HONEST).map((r) => (this.found.get(r.idHex) as Found).foundAt)
    let longestGap = 0
    let last = 0
    for (const t of [...honestTimes, this.config.duration]) {
      longestGap = Math.max(longestGap, t - last)
      last = t
    }
    const attackerOnChain = best.filter((r) => minerOf(r) === ATTACKER).length
    const published = [...this.found.entries()].filter(([id, f]) => f.miner === ATTACKER && this.publicNode.has(id)).length
    return {
      honestShares: honestTimes.length,
      attackerShares: attackerOnChain,
      attackerStale: published - attackerOnChain,
      longestHonestGap: longestGap,
      worstSolveRatio: this.worstSolveRatio,
      maxMtpExcess: this.maxMtpExcess,
      secondsBeyondBitcoinLimit: this.secondsBeyondLimit,
      attackerWindowShare: this.windowShare(best),
      ...targetMoves(best, bitsToTarget(this.config.params.initialShareBits)),
      releasesWon: this.releasesWon,
      longestWonBranch: this.longestWonBranch,
      cappedShares: best.filter((r) => r.chainTime < r.time).length
    }
  }

  /** Mean attacker part of the window weight at each best-chain share once the window is full (or from the middle of a shorter run). */
  private windowShare(best: ShareRecord[]): number {
    const chain = this.publicNode.chain
    const attacker = payoutScriptHex(ATTACKER)
    const from = Math.min(chain.params.windowShares, Math.floor(best.length / 2))
    let total = 0
    let samples = 0
    for (const r of best.slice(from)) {
      const weights = chain.windowWeights(r)
      let all = 0n
      for (const w of weights.values()) all += w
      if (all === 0n) continue
      total += Number(((weights.get(attacker) ?? 0n) * 1_000_000n) / all) / 1e6
      samples++
    }
    return samples === 0 ? 0 : total / samples
  }
}

function payoutScriptHex(miner: number): string {
  return Buffer.from(payoutScript(miner)).toString('hex')
}

/** The header time an attacker of `strategy` stamps on its `n`-th share. */
export function hostileTime(strategy: StampStrategy, n: number, clock: number, minTime: number): number {
  switch (strategy) {
    case 'honest':
    case 'withheld-honest':
      return Math.max(clock, minTime)
    case 'future-7000':
      return Math.max(clock + 7000, minTime)
    case 'future-day':
    case 'withheld':
      return Math.max(clock + DAY, minTime)
    case 'future-max':
      return U32_MAX
    case 'past':
      return minTime
    case 'alternate':
      return n % 2 === 0 ? Math.max(clock + DAY, minTime) : minTime
  }
}

function targetMoves(best: ShareRecord[], equilibrium: bigint): { maxTargetStepLog2: number; maxTargetDriftLog2: number } {
  let step = 0
  let drift = 0
  for (let i = 0; i < best.length; i++) {
    const r = best[i] as ShareRecord
    drift = Math.max(drift, Math.abs(log2Ratio(r.target, equilibrium)))
    if (i > 0) step = Math.max(step, Math.abs(log2Ratio(r.target, (best[i - 1] as ShareRecord).target)))
  }
  return { maxTargetStepLog2: step, maxTargetDriftLog2: drift }
}

function log2Ratio(a: bigint, b: bigint): number {
  return Math.log2(Number(a)) - Math.log2(Number(b))
}
