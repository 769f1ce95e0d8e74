import { EventEmitter } from 'node:events'
import { equalBytes, toHex, concatBytes } from '../bitcoin/bytes.js'
import { serializeBlock } from '../bitcoin/block.js'
import { decodeHeader, headerHashHex } from '../bitcoin/header.js'
import { hashToHex } from '../bitcoin/hash.js'
import { coinbaseMerkleBranch } from '../bitcoin/merkle.js'
import { bitsToTarget, hashToBigInt } from '../bitcoin/target.js'
import type { BlockTemplate } from '../bitcoin/template.js'
import { encodeEntry, type Share } from '../../protocol/share.js'
import { shareFromSolution, type BlockFields } from '../sharechain/build.js'
import { ShareJobFactory } from '../sharechain/coinbase-layout.js'
import { classForBytes } from '../sharechain/classes.js'
import type { ShareChainState, WorkBase } from '../sharechain/state.js'
import { checkStage1, ShareRejected } from '../sharechain/validate.js'
import { KEY, type ViewReader } from '../sharechain/view.js'
import type { Payout, Solution, SolutionVerdict, StratumJob } from '../stratum/types.js'
import { RecentIds } from './recent-ids.js'
import { chooseTimelyParent, type TimelyChoice } from './timely-tip.js'

/**
 * The work layer: turns the latest block template and the share-chain tip into stratum jobs, and
 * a miner's solution into a Bitcoin block (submitted first, before anything else) and/or a share
 * (appended to the cooperative's log). Each miner gets its own coinbase, because the coinbase
 * commits to the finder's payout script (SPEC.md §4).
 */
export interface WorkManagerOptions {
  state: ShareChainState
  view: ViewReader
  /** Bytes between coinb1 and coinb2 (the stratum server's extranonce1 + extranonce2). */
  extranonceSize: number
  /** The node's coinbase tag, e.g. "/hashcoop/". */
  tag: Uint8Array
  /** Publishes a job to miners (the stratum server's setJob). */
  publish: (job: StratumJob) => void
  /**
   * Submits a block (the node's found-block tracker): resolves with accepted or the reason, and the
   * block's status as bitcoind's answer made it (src/blocks/store.ts BlockStatus).
   */
  submitBlock: (blockHex: string, found: FoundSolution) => Promise<BlockVerdict>
  /**
   * Why share work must not be handed out now (bitcoind lost long enough that its tip may have
   * moved past the template), or null. Block solutions are still submitted and kept.
   */
  workRefusal?: () => string | null
  /** Appends a log entry (a writer's append, or an optimistic append for a non-writer). */
  appendEntry: (entry: Uint8Array) => Promise<void>
  /** Wall clock in ms (tests inject). */
  now?: () => number
}

export interface FoundSolution {
  hash: string
  height: number
  /** display hex of the template's parent */
  prevHash: string
  address: string
}

export interface BlockVerdict {
  accepted: boolean
  reason?: string
  status?: string
}

export interface WorkStats {
  jobs: number
  shares: { accepted: number; rejected: number }
  /** rejected counts invalid blocks only; raceLost the valid ones a competing block beat; unsubmitted those kept for resubmission. */
  blocks: { submitted: number; accepted: number; rejected: number; raceLost: number; unsubmitted: number; lastReason: string | null }
  /** ms from a new-block template's arrival to its job being published. */
  lastNewBlockToJobMs: number | null
}

/** A standard script for the job's shared coinbase; never mined into a share (sessions always have a payout). */
const PLACEHOLDER_SCRIPT = Uint8Array.from([0x00, 0x14, ...new Uint8Array(20)])
/** Jobs kept to match late solutions (the stratum server keeps 16 by default). */
const JOBS_KEPT = 32
/** The longest delay setTimeout takes (2^31 - 1 ms); a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1
/** Share and block headers remembered for the duplicate check (hours of shares for one node). */
const RECENT_IDS = 8192
/**
 * Bitcoin Core refuses a block stamped more than 2 hours past its clock (MAX_FUTURE_BLOCK_TIME);
 * a job's time beyond curtime + this would make every block of it invalid.
 */
const BITCOIN_FUTURE_LIMIT_SEC = 7000

interface WorkJob {
  stratum: StratumJob
  template: BlockTemplate
  base: WorkBase
  block: BlockFields
  shareTarget: bigint
  /** Makes (again, on demand) the coinbase for each payout script: nothing per address is kept here. */
  factory: ShareJobFactory
}

export interface WorkEvents {
  job: [job: StratumJob]
  share: [event: { id: string; address: string; worker: string; height: number }]
  block: [event: { hash: string; height: number; accepted: boolean; reason: string | null; status: string | null; address: string }]
  rejected: [event: { reason: string; address: string }]
  /**
   * The view's tip claims a time more than maxTimeStep past this node's clock, so jobs go on the
   * timely share with the most work instead (src/work/timely-tip.ts); once per tip passed over.
   */
  tipAhead: [event: { tip: string; aheadBy: number; minedOn: string | null }]
  /** The share-chain's median time past went ahead of bitcoind's clock by more than Bitcoin allows (once per episode). */
  clockConflict: [event: { shareChainMinTime: number; bitcoinMaxTime: number }]
}

export class WorkManager extends EventEmitter<WorkEvents> {
  private template: BlockTemplate | null = null
  private templateArrivedAt = 0
  private templateIsNewBlock = false
  private merkleBranch: Uint8Array[] = []
  private readonly jobs = new Map<string, WorkJob>()
  private jobSeq = 0
  private lastTipId: string | null | undefined = undefined
  private lastPrevHash: Uint8Array | null = null
  private rebuilding: Promise<void> | null = null
  private rebuildAgain = false
  private readonly recentIds = new RecentIds(RECENT_IDS)
  private inClockConflict = false
  /** The tip last passed over as not timely, and the timer that rebuilds once it is. */
  private passedOver: string | null = null
  private timelyTimer: NodeJS.Timeout | null = null
  /** The view's tip when the last job was built (onChainUpdate compares the next with it). */
  private viewTipId: string | null = null
  private readonly now: () => number
  readonly stats: WorkStats = { jobs: 0, shares: { accepted: 0, rejected: 0 }, blocks: { submitted: 0, accepted: 0, rejected: 0, raceLost: 0, unsubmitted: 0, lastReason: null }, lastNewBlockToJobMs: null }

  constructor(private readonly opts: WorkManagerOptions) {
    super()
    this.now = opts.now ?? Date.now
  }

  /** A new template from the template source. */
  onTemplate(template: BlockTemplate, newBlock: boolean): Promise<void> {
    this.template = template
    this.templateArrivedAt = this.now()
    this.templateIsNewBlock = this.templateIsNewBlock || newBlock
    this.merkleBranch = coinbaseMerkleBranch(template.transactions.map((t) => t.txid))
    return this.rebuild()
  }

  /** The share-chain view changed; a new job only when its tip did. */
  async onChainUpdate(): Promise<void> {
    const tip = ((await this.opts.view.get('tip'))?.value as { id: string } | undefined)?.id ?? null
    if (tip === this.lastTipId) return
    return this.rebuild()
  }

  /** Serialized: at most one rebuild runs, and one more is queued if anything changed meanwhile. */
  private rebuild(): Promise<void> {
    if (this.rebuilding !== null) {
      this.rebuildAgain = true
      return this.rebuilding
    }
    this.rebuilding = (async () => {
      try {
        do {
          this.rebuildAgain = false
          await this.buildJob()
        } while (this.rebuildAgain)
      } finally {
        this.rebuilding = null
      }
    })()
    return this.rebuilding
  }

  private async buildJob(): Promise<void> {
    const t = this.template
    if (t === null || this.opts.workRefusal?.() != null) return // no work on a template that may be stale
    const base = await this.timelyWorkBase()
    if (base === null) return // no genesis yet
    const block: BlockFields = {
      blockHeight: t.height,
      coinbaseValue: t.coinbaseValue,
      witnessCommitment: t.witnessCommitment === null ? null : t.witnessCommitment.slice(6, 38),
      merkleBranch: this.merkleBranch,
      tag: this.opts.tag
    }
    const shareTarget = bitsToTarget(base.shareBits)
    // The split shared by every finder is made once here; each address's coinbase lazily, when
    // the stratum server first notifies a miner for it (the placeholder's too, through the same layout).
    const factory = new ShareJobFactory(base, block, this.opts.extranonceSize)
    const shared = factory.jobFor(PLACEHOLDER_SCRIPT)
    const clean = this.lastPrevHash === null || !equalBytes(this.lastPrevHash, t.prevHash)
    const stratum: StratumJob = {
      id: String(++this.jobSeq),
      prevHash: t.prevHash,
      coinb1: shared.parts.coinb1,
      coinb2: shared.parts.coinb2,
      coinbaseFor: (payout: Payout) => factory.jobFor(payout.script, this.classOf(base, payout.coinbaseLimit)).parts,
      merkleBranch: this.merkleBranch,
      version: t.version,
      bits: t.bits,
      time: this.jobTime(t, base),
      cleanJobs: clean,
      blockTarget: t.target,
      shareTarget
    }
    this.jobs.set(stratum.id, { stratum, template: t, base, block, shareTarget, factory })
    while (this.jobs.size > JOBS_KEPT) this.jobs.delete(this.jobs.keys().next().value as string)
    this.lastPrevHash = t.prevHash
    this.lastTipId = this.viewTipId
    this.stats.jobs++
    this.opts.publish(stratum)
    if (this.templateIsNewBlock) {
      this.stats.lastNewBlockToJobMs = this.now() - this.templateArrivedAt
      this.templateIsNewBlock = false
    }
    this.emit('job', stratum)
  }

  /**
   * A job's header time: Bitcoin wants it above its median time past (mintime) and near its clock
   * (curtime); the share-chain wants it above the median of its chain times (SPEC.md §6.2). Both
   * hold unless hostile shares have pushed the share-chain's median more than Bitcoin's future
   * limit ahead (SPEC.md §5.3 bounds how far): then the share stays valid, and the conflict is
   * reported, since a block of this job would be refused as too new.
   */
  private jobTime(t: BlockTemplate, base: WorkBase): number {
    const time = Math.max(t.curtime, t.mintime, base.minTime)
    const bitcoinMaxTime = t.curtime + BITCOIN_FUTURE_LIMIT_SEC
    const conflict = time > bitcoinMaxTime
    if (conflict && !this.inClockConflict) this.emit('clockConflict', { shareChainMinTime: base.minTime, bitcoinMaxTime })
    this.inClockConflict = conflict
    return time
  }

  /** The work base on the timely share with the most work (SPEC.md §5.4): the view's tip, unless it claims a time still to come. */
  private async timelyWorkBase(): Promise<WorkBase | null> {
    const { state, view } = this.opts
    const base = await state.workBase(view)
    const chain = state.shareChain
    this.viewTipId = base?.parent?.idHex ?? null
    if (base === null || chain === null || base.parent === null) return base
    const choice = chooseTimelyParent(chain, base.parent, Math.floor(this.now() / 1000), chain.params.maxTimeStep)
    this.noteTimeliness(base.parent.idHex, choice)
    return choice.parent === base.parent ? base : state.workBaseAt(view, choice.parent?.idHex ?? null)
  }

  /** Tells once per tip passed over, and rebuilds when the clock reaches it. */
  private noteTimeliness(tipHex: string, choice: TimelyChoice): void {
    if (choice.timelyAt === null) {
      this.passedOver = null
      return
    }
    if (this.passedOver === tipHex) return
    this.passedOver = tipHex
    this.emit('tipAhead', { tip: tipHex, aheadBy: choice.aheadBy, minedOn: choice.parent?.idHex ?? null })
    if (this.timelyTimer !== null) clearTimeout(this.timelyTimer)
    // A second past the time it claims, so the clock has surely reached it; setTimeout holds at most ~24.8 days.
    const waitMs = Math.min(Math.max(0, choice.timelyAt * 1000 - this.now()) + 1000, MAX_TIMER_MS)
    this.timelyTimer = setTimeout(() => {
      this.timelyTimer = null
      void this.rebuild().catch(() => {})
    }, waitMs)
    this.timelyTimer.unref()
  }

  /** Stops the timer that waits for a tip from the future. */
  close(): void {
    if (this.timelyTimer !== null) clearTimeout(this.timelyTimer)
    this.timelyTimer = null
  }

  /** The coinbase class for a connection's firmware limit (SPEC.md §7.6): the largest within it. */
  private classOf(base: WorkBase, coinbaseLimit: number | null | undefined): number {
    return classForBytes(base.chain.params, coinbaseLimit ?? null)
  }

  /** The stratum server's solution handler. */
  async onSolution(sol: Solution): Promise<SolutionVerdict> {
    const job = this.jobs.get(sol.job.id)
    if (job === undefined) return { accepted: false, reason: 'job expired' }
    const meetsShare = hashToBigInt(sol.hash) <= job.shareTarget
    // A pseudo-share (or a block easier than the share target, possible on test networks) counts
    // for the miner's hashrate only; stratum's per-job check is enough for those.
    // The view's share ids are the header hash in internal byte order (sol.hash), not display order.
    const id = meetsShare || sol.kind === 'block' ? toHex(sol.hash) : null
    if (id !== null && !this.recentIds.add(id)) return this.duplicate(sol)
    // A block goes to bitcoind first: nothing else is worth the delay (research: stratum checklist 14).
    if (sol.kind === 'block') await this.submitBlock(job, sol)
    // While bitcoind is lost beyond the bound, work may be on a dead tip: only a block solution
    // (kept and resubmitted) still makes a share, since its coinbase pays that share's split.
    const refusal = sol.kind === 'block' ? null : (this.opts.workRefusal?.() ?? null)
    if (refusal !== null) {
      if (id !== null) this.recentIds.delete(id)
      return this.refuse(sol, refusal)
    }
    if (!meetsShare || id === null) return { accepted: true }
    if ((await this.opts.view.get(KEY.share(id))) !== null) return this.duplicate(sol)
    const verdict = await this.appendShare(job, sol)
    if (!verdict.accepted) this.recentIds.delete(id)
    return verdict
  }

  private duplicate(sol: Solution): SolutionVerdict {
    return this.refuse(sol, 'duplicate', { accepted: false, reason: 'duplicate share', duplicate: true })
  }

  /** Every refused share: counted, told to listeners (by reason), answered to the miner. */
  private refuse(sol: Solution, reason: string, verdict: SolutionVerdict = { accepted: false, reason }): SolutionVerdict {
    this.stats.shares.rejected++
    this.emit('rejected', { reason, address: sol.address })
    return verdict
  }

  private async submitBlock(job: WorkJob, sol: Solution): Promise<void> {
    const segwit = job.template.witnessCommitment !== null
    const block = serializeBlock(decodeHeader(sol.header), sol.coinbase, job.template.transactions.map((t) => t.data), segwit)
    this.stats.blocks.submitted++
    const hash = headerHashHex(sol.header)
    let result: BlockVerdict
    try {
      result = await this.opts.submitBlock(toHex(block), { hash, height: job.template.height, prevHash: hashToHex(job.template.prevHash), address: sol.address })
    } catch (err) {
      result = { accepted: false, reason: err instanceof Error ? err.message : String(err) }
    }
    const counter = result.accepted ? 'accepted' : result.status === 'race-lost' ? 'raceLost' : result.status === 'unsubmitted' ? 'unsubmitted' : 'rejected'
    this.stats.blocks[counter]++
    this.stats.blocks.lastReason = result.reason ?? null
    this.emit('block', { hash, height: job.template.height, accepted: result.accepted, reason: result.reason ?? null, status: result.status ?? null, address: sol.address })
  }

  private async appendShare(job: WorkJob, sol: Solution): Promise<SolutionVerdict> {
    const shareJob = job.factory.jobFor(sol.payoutScript, this.classOf(job.base, sol.coinbaseLimit))
    const reject = (reason: string): SolutionVerdict => this.refuse(sol, reason)
    const { coinb1, coinb2 } = shareJob.parts
    const n = this.opts.extranonceSize
    const extranonce = sol.coinbase.slice(coinb1.length, coinb1.length + n)
    if (!equalBytes(sol.coinbase, concatBytes(coinb1, extranonce, coinb2))) return reject('the coinbase does not match the job')
    const share: Share = shareFromSolution(shareJob, extranonce, sol.header)
    try {
      checkStage1(job.base.chain, share)
    } catch (err) {
      if (err instanceof ShareRejected) return reject(err.reason)
      throw err
    }
    try {
      await this.opts.appendEntry(encodeEntry({ type: 'share', share }))
    } catch (err) {
      // Not appended, so not acknowledged: the miner must know (a full disk, a closed log).
      return reject(`could not store the share: ${err instanceof Error ? err.message : String(err)}`)
    }
    this.stats.shares.accepted++
    this.emit('share', { id: headerHashHex(sol.header), address: sol.address, worker: sol.worker, height: share.height })
    return { accepted: true }
  }
}
