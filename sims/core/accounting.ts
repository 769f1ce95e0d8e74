import { toHex } from '../../src/bitcoin/bytes.js'
import { bitsToTarget, targetToWork } from '../../src/bitcoin/target.js'
import type { ShareRecord } from '../../src/sharechain/chain.js'
import { KEY, type BlockValue } from '../../src/sharechain/view.js'
import type { ProducedShare, SimRun } from './engine.js'
import { blockProbability } from './scaling.js'

/**
 * What a run paid whom, read back from the auditor node's real share-chain: which shares ended on
 * the best chain, which were credited as uncles, what each miner's shares are credited with
 * (ShareChain.credits, the PPLNS weights) and what the coinbases paid (ShareChain.payoutSplit and
 * the block records the real state wrote).
 */
export type ShareFate = 'main' | 'uncle' | 'orphan'

export interface MinerTally {
  miner: number
  /** Real hashrate, H/s. */
  hashrate: number
  published: number
  withheld: number
  main: number
  uncle: number
  orphan: number
  /** Work of the miner's published shares, in equilibrium shares (work(SIM_SHARE_BITS) = 1). */
  producedWork: number
  /**
   * Work of the miner's shares (published or withheld) at heights where revenue is counted: the
   * yardstick for income per unit of work, free of the luck of how far a run's chain got.
   */
  candidateWork: number
  /** PPLNS weight the final best chain credits to the miner's script (shares, uncles, includer parts). */
  creditedWork: number
  /**
   * Satoshis the miner is paid in expectation: over every published share at a height where the
   * window is full, P(that share is a block) x the miner's amount in that share's coinbase split.
   * Exact given the run's shares, and free of the noise of which few shares happened to be blocks.
   */
  expectedRevenue: number
  /** Satoshis the coinbases of the shares that really were blocks paid the miner (lottery included). */
  realizedRevenue: number
  blocksFound: number
}

export interface RunTally {
  simulatedSeconds: number
  mainHeight: number
  /** Mean simulated seconds between consecutive best-chain shares. */
  mainInterval: number
  published: number
  withheld: number
  main: number
  uncle: number
  orphan: number
  blocks: number
  /** Blocks the cooperative could expect from its published shares (sum of P(block)). */
  expectedBlocks: number
  miners: MinerTally[]
}

export interface TallyOptions {
  /** Count revenue only from shares at or above this height (full PPLNS windows); default windowShares. */
  revenueFromHeight?: number
  /** Compute expectedRevenue (one payout split per published share). */
  expectedRevenue?: boolean
}

export function finalFates(run: SimRun): Map<string, ShareFate> {
  const chain = run.auditor.chain
  const fates = new Map<string, ShareFate>()
  const tipHex = run.auditor.tipHex
  for (let r: ShareRecord | undefined = tipHex === null ? undefined : chain.get(tipHex); r !== undefined; r = chain.parentOf(r)) {
    fates.set(r.idHex, 'main')
  }
  for (const [id, fate] of [...fates]) {
    if (fate !== 'main') continue
    for (const u of chain.get(id)?.uncleHexes ?? []) fates.set(u, 'uncle')
  }
  for (const s of run.produced) if (s.published && !fates.has(s.id)) fates.set(s.id, 'orphan')
  return fates
}

export function tallyRun(run: SimRun, options: TallyOptions = {}): RunTally {
  const { params, miners: specs } = run.config
  const chain = run.auditor.chain
  const unit = Number(targetToWork(bitsToTarget(params.initialShareBits)))
  const fromHeight = options.revenueFromHeight ?? params.windowShares
  const fates = finalFates(run)
  const minerOfScript = new Map(specs.map((m, i) => [toHex(m.script), i]))
  const tallies: MinerTally[] = specs.map((m, i) => ({ miner: i, hashrate: m.hashrate, published: 0, withheld: 0, main: 0, uncle: 0, orphan: 0, producedWork: 0, candidateWork: 0, creditedWork: 0, expectedRevenue: 0, realizedRevenue: 0, blocksFound: 0 }))
  const tallyOf = (script: string): MinerTally | undefined => {
    const i = minerOfScript.get(script)
    return i === undefined ? undefined : tallies[i]
  }

  // A block withholder publishes only shares that are not blocks: for its published shares P(block) = 0.
  const attackStart = run.config.attackStart ?? 0
  const blockOdds = (s: ProducedShare): number => (specs[s.miner]?.behaviour === 'withhold-blocks' && s.foundAt >= attackStart ? 0 : blockProbability(run.scale, s.target))
  let blocks = 0
  let expectedBlocks = 0
  const published: ProducedShare[] = []
  for (const s of run.produced) {
    const t = tallies[s.miner] as MinerTally
    if (s.height >= fromHeight) t.candidateWork += Number(targetToWork(s.target)) / unit
    if (!s.published) {
      t.withheld++
      continue
    }
    published.push(s)
    t.published++
    t.producedWork += Number(targetToWork(s.target)) / unit
    t[fates.get(s.id) ?? 'orphan']++
    if (s.height >= fromHeight) {
      expectedBlocks += blockOdds(s)
      if (s.isBlock) {
        blocks++
        t.blocksFound++
        const block = run.auditor.view.getSync(KEY.block(s.id))?.value as BlockValue | undefined
        if (block === undefined) throw new Error(`block ${s.id} missing from the auditor's view`)
        for (const o of block.outputs) {
          const owner = tallyOf(o.script)
          if (owner !== undefined) owner.realizedRevenue += Number(o.value)
        }
      }
    }
  }

  let mainFirst: ProducedShare | undefined
  let mainLast: ProducedShare | undefined
  for (const s of published) {
    if (fates.get(s.id) !== 'main') continue
    mainFirst ??= s
    mainLast = s
    const rec = chain.get(s.id)
    if (rec === undefined) continue
    for (const [script, work] of chain.credits(rec)) {
      const owner = tallyOf(script)
      if (owner !== undefined) owner.creditedWork += Number(work) / unit
    }
  }

  if (options.expectedRevenue === true) {
    // Height order keeps the chain's incremental window memo warm.
    const candidates = published.filter((s) => s.height >= fromHeight).sort((a, b) => a.height - b.height || a.seq - b.seq)
    for (const s of candidates) {
      const rec = chain.get(s.id)
      if (rec === undefined) throw new Error(`share ${s.id} missing from the auditor`)
      const p = blockOdds(s)
      if (p === 0) continue
      const split = chain.payoutSplit(chain.parentOf(rec), rec.share.payoutScript, BigInt(rec.share.coinbaseValue))
      for (const [script, amount] of split.earned) {
        const owner = tallyOf(script)
        if (owner !== undefined) owner.expectedRevenue += p * Number(amount)
      }
    }
  }

  const count = (fate: ShareFate): number => published.filter((s) => fates.get(s.id) === fate).length
  const mainHeight = mainLast?.height ?? 0
  return {
    simulatedSeconds: run.config.duration,
    mainHeight,
    mainInterval: mainFirst !== undefined && mainLast !== undefined && mainHeight > 0 ? (mainLast.foundAt - mainFirst.foundAt) / (mainLast.height - mainFirst.height) : 0,
    published: published.length,
    withheld: run.produced.length - published.length,
    main: count('main'),
    uncle: count('uncle'),
    orphan: count('orphan'),
    blocks,
    expectedBlocks,
    miners: tallies
  }
}
