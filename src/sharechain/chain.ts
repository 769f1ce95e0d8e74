import { toHex } from '../bitcoin/bytes.js'
import { hashToBigInt, targetToWork } from '../bitcoin/target.js'
import type { CoopParams } from '../../protocol/params.js'
import { consensusId as computeConsensusId } from '../../protocol/params.js'
import type { Share } from '../../protocol/share.js'
import { finishClassSplit, finishSplit, outsiderClassSplit, outsiderSplit, prepareSplit, type OutsiderSplit, type PayoutSplit, type SplitBase } from './payouts.js'
import type { ClassLimit } from './classes.js'
import { nextShareBits } from './retarget.js'
import { ZERO_ID } from './commitment.js'

/**
 * Everything consensus derives from one valid share. A record depends only on the share's bytes
 * and its ancestry (which the share's hash chain fixes), never on arrival order, so records can be
 * memoized across Autobase re-orderings.
 */
export interface ShareRecord {
  id: Uint8Array
  idHex: string
  share: Share
  parentHex: string | null
  height: number
  /** The header's time, as the miner stamped it. */
  time: number
  /** The time the rules read (SPEC.md §5.1): `time`, but at most maxTimeStep past max(parent chain time, MTP). */
  chainTime: number
  target: bigint
  work: bigint
  /** Work of this share, its uncles and all its ancestors (and theirs): the fork-choice weight. */
  cumWork: bigint
  scriptHex: string
  uncleHexes: string[]
  /** The header also meets its own Bitcoin target: a block candidate. */
  isBlock: boolean
}

interface WindowMemo {
  weights: Map<string, bigint>
  /** The window's shares, oldest first: the next one to leave is members[0]. */
  members: ShareRecord[]
}

const WINDOW_MEMO_SIZE = 256
const MTP_SPAN = 11
const SPLIT_MEMO_SIZE = 16

/**
 * The share-chain: an index of valid shares by id, plus the derived quantities every rule needs:
 * the expected target, median time past, the PPLNS window, the payout split and fork choice.
 * Deterministic and free of I/O; the node, the auditor and the simulator all use this class.
 */
export class ShareChain {
  readonly consensusId: Uint8Array
  private readonly records = new Map<string, ShareRecord>()
  private readonly windows = new Map<string, WindowMemo>()
  private readonly byHeight = new Map<number, string[]>()
  /** Finder-independent splits by parent and coinbase value (a job serves many miners). */
  private readonly splitBases = new Map<string, SplitBase>()
  /** The last split base made: the ordering hint for the next (see prepareSplit). */
  private lastSplitBase: SplitBase | undefined

  constructor(readonly params: CoopParams) {
    this.consensusId = computeConsensusId(params)
  }

  get size(): number {
    return this.records.size
  }

  get(idHex: string): ShareRecord | undefined {
    return this.records.get(idHex)
  }

  has(idHex: string): boolean {
    return this.records.has(idHex)
  }

  /** Adds a record that validation produced. Re-adding the same id is a no-op. */
  add(record: ShareRecord): void {
    if (this.records.has(record.idHex)) return
    this.records.set(record.idHex, record)
    const atHeight = this.byHeight.get(record.height)
    if (atHeight === undefined) this.byHeight.set(record.height, [record.idHex])
    else atHeight.push(record.idHex)
  }

  /** Known shares at the `depth` heights ending at `tip`'s height, on any branch. */
  recent(tip: ShareRecord, depth: number): Generator<ShareRecord> {
    return this.atHeights(tip.height - depth + 1, tip.height)
  }

  /** Known shares at heights `from` to `to` (inclusive), on any branch. */
  *atHeights(from: number, to: number): Generator<ShareRecord> {
    for (let h = Math.max(0, from); h <= to; h++) {
      for (const id of this.byHeight.get(h) ?? []) {
        const r = this.records.get(id)
        if (r !== undefined) yield r
      }
    }
  }

  parentOf(r: ShareRecord): ShareRecord | undefined {
    return r.parentHex === null ? undefined : this.records.get(r.parentHex)
  }

  /** `r` and its ancestors, nearest first, at most `limit` of them. */
  *ancestry(r: ShareRecord | undefined, limit = Infinity): Generator<ShareRecord> {
    let cur = r
    for (let i = 0; cur !== undefined && i < limit; i++) {
      yield cur
      cur = this.parentOf(cur)
    }
  }

  /**
   * The ancestor of `r` (or `r` itself) at `height`, if that height is on its branch. A walk up
   * the parents: the rules ask only within the uncle depth (at most 64). Records hold no pointers
   * to their ancestors, so that forgotten ones (forgetBelow) can be collected.
   */
  ancestorAt(r: ShareRecord, height: number): ShareRecord | undefined {
    if (height > r.height || height < 0) return undefined
    let cur: ShareRecord | undefined = r
    while (cur !== undefined && cur.height > height) cur = this.parentOf(cur)
    return cur
  }

  /**
   * Drops the records below `height` from the memo, with the windows and splits memoized at
   * them; returns how many went. Their content stays in the view, from which the state machine
   * loads what a rule asks for again (a deep fork), so a long-running node's memory stays bounded.
   */
  forgetBelow(height: number): number {
    let forgotten = 0
    for (const [h, ids] of this.byHeight) {
      if (h >= height) continue
      for (const id of ids) if (this.records.delete(id)) forgotten++
      this.byHeight.delete(h)
    }
    for (const id of this.windows.keys()) if (!this.records.has(id)) this.windows.delete(id)
    for (const key of this.splitBases.keys()) {
      const parentHex = key.slice(0, key.indexOf(':'))
      if (parentHex !== '' && !this.records.has(parentHex)) this.splitBases.delete(key)
    }
    return forgotten
  }

  /** The compact target a child of `parent` (undefined: the first share) must declare. */
  expectedBits(parent: ShareRecord | undefined): number {
    if (parent === undefined) return this.params.initialShareBits
    const grandparent = this.parentOf(parent)
    const prevTime = grandparent === undefined ? this.params.createdAt : grandparent.chainTime
    return nextShareBits(this.params, parent.target, parent.chainTime - prevTime)
  }

  /**
   * The chain time of a share with header time `time` on `parent` (SPEC.md §5.1): the header time,
   * but at most maxTimeStep past the later of the parent's chain time and the median time past.
   */
  chainTimeOf(parent: ShareRecord | undefined, time: number, medianTimePast = this.medianTimePast(parent)): number {
    const anchor = parent === undefined ? this.params.createdAt : Math.max(parent.chainTime, medianTimePast)
    return Math.min(time, anchor + this.params.maxTimeStep)
  }

  /** Median of the last 11 chain times ending at `parent`; the genesis time before any share. */
  medianTimePast(parent: ShareRecord | undefined): number {
    if (parent === undefined) return this.params.createdAt
    const times: number[] = []
    for (const r of this.ancestry(parent, MTP_SPAN)) times.push(r.chainTime)
    times.sort((a, b) => a - b)
    return times[Math.floor(times.length / 2)] as number
  }

  /** PPLNS weights over the window ending at `parent` (inclusive); empty before any share. */
  windowWeights(parent: ShareRecord | undefined): ReadonlyMap<string, bigint> {
    // A copy: the memo's map moves on to the next share (windowAt), and callers may hold this.
    return parent === undefined ? new Map() : new Map(this.windowAt(parent).weights)
  }

  /**
   * The payout outputs a child of `parent` found by `finderScript` must pay (SPEC.md §7): of the
   * full class when `limit` is null, else of the byte class that limit comes from (classes.ts).
   */
  payoutSplit(parent: ShareRecord | undefined, finderScript: Uint8Array, coinbaseValue: bigint, limit: ClassLimit | null = null): PayoutSplit {
    const base = this.splitBaseAt(parent, coinbaseValue)
    const seed = parent === undefined ? ZERO_ID : parent.id
    return limit === null ? finishSplit(this.params, base, finderScript, seed) : finishClassSplit(this.params, base, finderScript, seed, limit)
  }

  /**
   * The split shared by every finder without work in the window, or null (see outsiderSplit); for
   * a byte class, by every such finder whose script is `finderScriptLength` bytes.
   */
  outsiderSplit(parent: ShareRecord | undefined, coinbaseValue: bigint, limit: ClassLimit | null = null, finderScriptLength = 22): OutsiderSplit | null {
    const base = this.splitBaseAt(parent, coinbaseValue)
    const seed = parent === undefined ? ZERO_ID : parent.id
    return limit === null ? outsiderSplit(this.params, base, seed) : outsiderClassSplit(this.params, base, seed, limit, finderScriptLength)
  }

  /** The finder-independent part of a split, memoized per (parent, value). */
  private splitBaseAt(parent: ShareRecord | undefined, coinbaseValue: bigint): SplitBase {
    const key = `${parent?.idHex ?? ''}:${coinbaseValue}`
    let base = this.splitBases.get(key)
    if (base === undefined) {
      base = prepareSplit(this.params, parent === undefined ? new Map() : this.windowAt(parent).weights, coinbaseValue, this.lastSplitBase)
      this.lastSplitBase = base
      this.splitBases.set(key, base)
      if (this.splitBases.size > SPLIT_MEMO_SIZE) this.splitBases.delete(this.splitBases.keys().next().value as string)
    }
    return base
  }

  /** Fork choice (SPEC.md §8): more cumulative work wins; on a tie, the numerically lower id. */
  isBetter(a: ShareRecord, b: ShareRecord | undefined): boolean {
    if (b === undefined) return true
    if (a.cumWork !== b.cumWork) return a.cumWork > b.cumWork
    return hashToBigInt(a.id) < hashToBigInt(b.id)
  }

  /** Work each share and uncle brings to the window (SPEC.md §7.2). */
  credits(r: ShareRecord): [string, bigint][] {
    const out: [string, bigint][] = [[r.scriptHex, r.work]]
    for (const u of r.uncleHexes) {
      const uncle = this.records.get(u)
      // The state machine loads a window's uncles before any rule reads them (hydrate): a miss is
      // a bug, and skipping the credit would pay a different split than every other node.
      if (uncle === undefined) throw new Error(`the memo lacks uncle ${u} of share ${r.idHex}`)
      const toUncle = (uncle.work * BigInt(this.params.uncleWeightBps)) / 10_000n
      out.push([uncle.scriptHex, toUncle], [r.scriptHex, uncle.work - toUncle])
    }
    return out
  }

  private windowAt(r: ShareRecord): WindowMemo {
    const memo = this.windows.get(r.idHex)
    if (memo !== undefined) {
      this.windows.delete(r.idHex) // refresh LRU position
      this.windows.set(r.idHex, memo)
      return memo
    }
    const parent = this.parentOf(r)
    const parentMemo = parent === undefined ? undefined : this.windows.get(parent.idHex)
    // The parent's window moves to the child instead of being copied (a chain extends its tip far
    // more often than it forks); a parent asked for again is rebuilt from the records.
    if (parent !== undefined && parentMemo !== undefined) this.windows.delete(parent.idHex)
    const next = parentMemo !== undefined ? this.extendWindow(parentMemo, r) : this.buildWindow(r)
    this.windows.set(r.idHex, next)
    if (this.windows.size > WINDOW_MEMO_SIZE) this.windows.delete(this.windows.keys().next().value as string)
    return next
  }

  /** The window at `r` from the window at its parent: add `r`, drop the share that falls out. */
  private extendWindow(prev: WindowMemo, r: ShareRecord): WindowMemo {
    const { weights, members } = prev
    const full = members.length === this.params.windowShares
    // Both credit lists before any change: the memo must not be left half-updated by a throw.
    const leaving = full ? this.credits(members[0] as ShareRecord) : []
    const joining = this.credits(r)
    if (full) members.shift()
    for (const [s, w] of leaving) addWeight(weights, s, -w)
    for (const [s, w] of joining) addWeight(weights, s, w)
    members.push(r)
    return { weights, members }
  }

  private buildWindow(r: ShareRecord): WindowMemo {
    const weights = new Map<string, bigint>()
    const members = [...this.ancestry(r, this.params.windowShares)].reverse()
    for (const rec of members) {
      for (const [s, w] of this.credits(rec)) addWeight(weights, s, w)
    }
    return { weights, members }
  }

  /**
   * Derives the record of a share already known to be valid (validate.ts calls this, passing the
   * median time past it already computed at the parent).
   */
  makeRecord(share: Share, id: Uint8Array, target: bigint, isBlock: boolean, medianTimePast?: number): ShareRecord {
    const parentHex = share.height === 0 ? null : toHex(share.parent)
    const parent = parentHex === null ? undefined : this.records.get(parentHex)
    const work = targetToWork(target)
    let cumWork = (parent?.cumWork ?? 0n) + work
    const uncleHexes = share.uncles.map(toHex)
    for (const u of uncleHexes) cumWork += this.records.get(u)?.work ?? 0n
    const time = readHeaderTime(share.header)
    return {
      id,
      idHex: toHex(id),
      share,
      parentHex,
      height: share.height,
      time,
      chainTime: this.chainTimeOf(parent, time, medianTimePast ?? this.medianTimePast(parent)),
      target,
      work,
      cumWork,
      scriptHex: toHex(share.payoutScript),
      uncleHexes,
      isBlock
    }
  }
}

function addWeight(weights: Map<string, bigint>, script: string, delta: bigint): void {
  const next = (weights.get(script) ?? 0n) + delta
  if (next === 0n) weights.delete(script)
  else weights.set(script, next)
}

function readHeaderTime(header: Uint8Array): number {
  return new DataView(header.buffer, header.byteOffset, header.byteLength).getUint32(68, true)
}
