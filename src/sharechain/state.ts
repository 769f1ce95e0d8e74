import { equalBytes, fromHex, toHex } from '../bitcoin/bytes.js'
import { headerHash } from '../bitcoin/header.js'
import { checkParams, consensusId, decodeParams, encodeParams, type CoopParams } from '../../protocol/params.js'
import { decodeEntry, decodeShare, encodeShare, type Share } from '../../protocol/share.js'
import { ShareChain, type ShareRecord } from './chain.js'
import type { OutsiderSplit, PayoutSplit } from './payouts.js'
import type { ClassLimit } from './classes.js'
import { checkStage1, checkStage2, ShareRejected } from './validate.js'
import { CachedBatch, EMPTY_STATS, KEY, type BlockValue, type GenesisValue, type InvalidValue, type MinerValue, type ShareValue, type StatsValue, type TipValue, type ViewBatch, type ViewReader } from './view.js'

/** One ordered log entry as Autobase hands it to apply. */
export interface LogEntry {
  value: Uint8Array
  /** Hex key of the writer that appended it. */
  writer: string
}

export type Outcome =
  | { kind: 'genesis'; accepted: true }
  | { kind: 'share'; accepted: true; id: string; height: number; isBlock: boolean; tipChanged: boolean }
  | { kind: 'admin'; accepted: true; payload: Uint8Array }
  | { kind: 'invalid'; accepted: false; reason: string; detail: string; id: string | null }

/** The memo bound nodes and auditors run with: some 40 MB of records, a few windows deep. */
export const MEMO_SHARES = 20_000

export interface StateOptions {
  /**
   * Bound on the records kept in the chain memo: past it, the records far below the highest share
   * are forgotten (they stay in the view). Default: unbounded, as the simulator, which reads
   * the memo directly, needs. At least 4x the rules' depth (window + 2) is used.
   */
  memoShares?: number
}

/**
 * The share-chain state machine (SPEC.md §10): applies ordered log entries to the view. A pure
 * function of the entries and the view: it reads and writes nothing else, and it never throws for
 * anything an entry contains (an invalid entry is recorded under invalid!<seq> and skipped).
 *
 * The in-memory ShareChain is only a memo of records derived from content (see chain.ts); the
 * view decides what is known, so an Autobase re-ordering that truncates the view is handled.
 */
export class ShareChainState {
  private chain: ShareChain | null = null
  /** Records whose ancestry (window + retarget + uncle depth) is loaded into the memo. */
  private readonly hydrated = new Set<string>()
  /** The highest share added: forgetting counts down from it. */
  private highest = 0

  constructor(
    readonly expectedConsensusId: Uint8Array,
    private readonly options: StateOptions = {}
  ) {
    if (expectedConsensusId.length !== 32) throw new Error('consensus id must be 32 bytes')
    const limit = options.memoShares
    if (limit !== undefined && !(Number.isSafeInteger(limit) && limit > 0)) throw new RangeError(`memoShares must be a positive integer, got ${limit}`)
  }

  /** The chain memo once the genesis record is known (from the log or loadGenesis). */
  get shareChain(): ShareChain | null {
    return this.chain
  }

  /** Applies entries in order inside one view batch; returns one outcome per entry. */
  async apply(target: ViewBatch, entries: readonly LogEntry[], onAdmin?: (payload: Uint8Array, entry: LogEntry) => Promise<void>): Promise<Outcome[]> {
    const batch = new CachedBatch(target)
    // A copy: it is counted up below, and a view's values must not be changed in place.
    const stats: StatsValue = { ...(((await batch.get(KEY.stats))?.value as StatsValue | undefined) ?? EMPTY_STATS) }
    const outcomes: Outcome[] = []
    for (const entry of entries) {
      const seq = stats.seq++
      let outcome: Outcome
      try {
        outcome = await this.applyOne(batch, entry, seq, stats)
      } catch (err) {
        if (!(err instanceof ShareRejected)) throw err // I/O failure of the view itself: nothing to record
        outcome = { kind: 'invalid', accepted: false, reason: err.reason, detail: err.detail, id: null }
      }
      if (outcome.kind === 'invalid') await this.recordInvalid(batch, stats, seq, entry, outcome)
      if (outcome.kind === 'admin' && onAdmin !== undefined) await onAdmin(outcome.payload, entry)
      outcomes.push(outcome)
    }
    await batch.put(KEY.stats, stats)
    await batch.commit()
    return outcomes
  }

  private async applyOne(batch: ViewBatch, entry: LogEntry, seq: number, stats: StatsValue): Promise<Outcome> {
    let decoded
    try {
      decoded = decodeEntry(entry.value)
    } catch (err) {
      return invalid('malformed', (err as Error).message)
    }
    const genesis = (await batch.get(KEY.genesis))?.value as GenesisValue | undefined
    if (decoded.type === 'genesis') return this.applyGenesis(batch, decoded.params, genesis)
    if (genesis === undefined) return invalid('before-genesis', 'the first entry of a cooperative must be its genesis record')
    const chain = this.chainFor(genesis)
    if (decoded.type === 'admin') return { kind: 'admin', accepted: true, payload: decoded.payload }
    return this.applyShare(batch, chain, decoded.share, seq, stats)
  }

  private async applyGenesis(batch: ViewBatch, params: CoopParams, existing: GenesisValue | undefined): Promise<Outcome> {
    if (existing !== undefined) return invalid('duplicate-genesis', 'the cooperative already has its genesis record')
    try {
      checkParams(params)
    } catch (err) {
      return invalid('bad-genesis', (err as Error).message)
    }
    const id = consensusId(params)
    if (!equalBytes(id, this.expectedConsensusId)) return invalid('wrong-genesis', `genesis hashes to ${toHex(id)}, the join key says ${toHex(this.expectedConsensusId)}`)
    const value: GenesisValue = { params: toHex(encodeParams(params)), consensusId: toHex(id) }
    await batch.put(KEY.genesis, value)
    this.chainFor(value)
    return { kind: 'genesis', accepted: true }
  }

  private chainFor(genesis: GenesisValue): ShareChain {
    if (this.chain === null) this.chain = new ShareChain(decodeParams(fromHex(genesis.params)))
    return this.chain
  }

  private async applyShare(batch: ViewBatch, chain: ShareChain, share: Share, seq: number, stats: StatsValue): Promise<Outcome> {
    let id: string | null = null
    try {
      const s1 = pure(() => checkStage1(chain, share))
      id = toHex(s1.id)
      const known = await this.knownIds(batch, chain, share, id)
      const { record, split } = pure(() => checkStage2(chain, share, s1, (h) => known.has(h)))
      chain.add(record)
      this.hydrated.add(record.idHex)
      const tipChanged = await this.store(batch, chain, record, split, seq, stats)
      this.forgetIfFull(chain, record.height)
      return { kind: 'share', accepted: true, id: record.idHex, height: record.height, isBlock: record.isBlock, tipChanged }
    } catch (err) {
      // A decoded share always has an id (its header hash), even when stage 1 rejects it.
      if (err instanceof ShareRejected) return { ...invalid(err.reason, err.detail), id: id ?? toHex(headerHash(share.header)) }
      throw err
    }
  }

  /** Which of the ids stage 2 asks about are in the view; loads their records into the memo. */
  private async knownIds(batch: ViewReader, chain: ShareChain, share: Share, idHex: string): Promise<Set<string>> {
    const known = new Set<string>()
    const ask = [idHex, ...share.uncles.map(toHex)]
    if (share.height > 0) ask.push(toHex(share.parent))
    for (const h of ask) {
      const rec = await this.loadRecord(batch, chain, h)
      if (rec !== undefined) known.add(h)
    }
    if (share.height > 0 && known.has(toHex(share.parent))) await this.hydrate(batch, chain, toHex(share.parent))
    return known
  }

  private async loadRecord(batch: ViewReader, chain: ShareChain, idHex: string): Promise<ShareRecord | undefined> {
    const stored = (await batch.get(KEY.share(idHex)))?.value as ShareValue | undefined
    if (stored === undefined) return undefined
    const memo = chain.get(idHex)
    if (memo !== undefined) return memo
    const rec = recordFromValue(idHex, stored)
    chain.add(rec)
    return rec
  }

  /**
   * Past the memo bound, forgets the records more than half the bound below the highest share
   * (never fewer than the depth any rule reads). What was hydrated may have lost ancestors, so
   * every share is hydrated again, from the memo where it still holds them, else from the view.
   */
  private forgetIfFull(chain: ShareChain, height: number): void {
    this.highest = Math.max(this.highest, height)
    const limit = this.options.memoShares
    if (limit === undefined) return
    const bound = Math.max(limit, 4 * ruleDepth(chain.params))
    if (chain.size <= bound) return
    chain.forgetBelow(this.highest - Math.floor(bound / 2))
    this.hydrated.clear()
  }

  /** Ensures the ancestry every rule reads (window, retarget, uncles) is in the memo. */
  private async hydrate(batch: ViewReader, chain: ShareChain, idHex: string): Promise<void> {
    if (this.hydrated.has(idHex)) return
    const depth = ruleDepth(chain.params)
    let cur: string | null = idHex
    for (let i = 0; i < depth && cur !== null; i++) {
      const rec: ShareRecord | undefined = chain.get(cur) ?? (await this.loadRecord(batch, chain, cur))
      if (rec === undefined) break
      if (this.hydrated.has(rec.idHex)) break // its own ancestry is already loaded
      // The window credits each ancestor's uncles (ShareChain.credits reads their records): a cold
      // memo (restart, fast-forward) without them computes a different split than a warm one.
      for (const u of rec.uncleHexes) if (!chain.has(u)) await this.loadRecord(batch, chain, u)
      cur = rec.parentHex
    }
    this.hydrated.add(idHex)
  }

  /** Writes a valid share and everything derived from it; returns whether the tip moved. */
  private async store(batch: ViewBatch, chain: ShareChain, r: ShareRecord, split: PayoutSplit, seq: number, stats: StatsValue): Promise<boolean> {
    await batch.put(KEY.share(r.idHex), valueFromRecord(r, seq))
    await this.creditMiner(batch, r.scriptHex, r.work, r.time, 0)
    for (const u of r.uncleHexes) {
      const uncle = chain.get(u)
      if (uncle !== undefined) await this.creditMiner(batch, uncle.scriptHex, 0n, uncle.time, 1)
    }
    stats.shares++
    if (r.isBlock) {
      const block: BlockValue = {
        id: r.idHex,
        height: r.height,
        blockHeight: r.share.blockHeight,
        time: r.time,
        coinbaseValue: String(r.share.coinbaseValue),
        finder: r.scriptHex,
        outputs: split.outputs.map((o) => ({ script: toHex(o.script), value: String(o.value) })),
        seq
      }
      await batch.put(KEY.block(r.idHex), block)
      stats.blocks++
    }
    return this.chooseTip(batch, chain, r)
  }

  private async creditMiner(batch: ViewBatch, script: string, work: bigint, time: number, uncles: number): Promise<void> {
    const prev = (await batch.get(KEY.miner(script)))?.value as MinerValue | undefined
    const next: MinerValue = {
      script,
      shares: (prev?.shares ?? 0) + (uncles === 0 ? 1 : 0),
      work: String(BigInt(prev?.work ?? '0') + work),
      uncles: (prev?.uncles ?? 0) + uncles,
      lastShareTime: Math.max(prev?.lastShareTime ?? 0, uncles === 0 ? time : 0)
    }
    await batch.put(KEY.miner(script), next)
  }

  /** Fork choice: moves the tip to `r` when it is better, rewriting the height index to match. */
  private async chooseTip(batch: ViewBatch, chain: ShareChain, r: ShareRecord): Promise<boolean> {
    const tipValue = (await batch.get(KEY.tip))?.value as TipValue | undefined
    const tip = tipValue === undefined ? undefined : await this.loadRecord(batch, chain, tipValue.id)
    if (!chain.isBetter(r, tip)) return false
    let cur: ShareRecord | undefined = r
    while (cur !== undefined) {
      const key = KEY.height(cur.height)
      const at = (await batch.get(key))?.value as string | undefined
      if (at === cur.idHex) break
      await batch.put(key, cur.idHex)
      cur = cur.parentHex === null ? undefined : await this.loadRecord(batch, chain, cur.parentHex)
    }
    for (let h = r.height + 1; tip !== undefined && h <= tip.height; h++) await batch.del(KEY.height(h))
    const next: TipValue = { id: r.idHex, height: r.height, cumWork: String(r.cumWork) }
    await batch.put(KEY.tip, next)
    return true
  }

  private async recordInvalid(batch: ViewBatch, stats: StatsValue, seq: number, entry: LogEntry, o: Extract<Outcome, { kind: 'invalid' }>): Promise<void> {
    const value: InvalidValue = { seq, reason: o.reason, detail: o.detail, id: o.id, writer: entry.writer, bytes: entry.value.length }
    await batch.put(KEY.invalid(seq), value)
    stats.invalid++
  }

  /** Loads the genesis from an existing view (a restart) so jobs can be built before any apply. */
  async open(view: ViewReader): Promise<CoopParams | null> {
    const genesis = (await view.get(KEY.genesis))?.value as GenesisValue | undefined
    return genesis === undefined ? null : this.chainFor(genesis).params
  }

  /**
   * What a new job must commit to at the view's current tip: parent, height, share target and
   * uncles, plus a function giving the payout split for a finder and a coinbase value.
   */
  async workBase(view: ViewReader): Promise<WorkBase | null> {
    const tipValue = (await view.get(KEY.tip))?.value as TipValue | undefined
    return this.workBaseAt(view, tipValue?.id ?? null)
  }

  /** As workBase, on a given parent (null: the first share). Tests and the simulator fork with it. */
  async workBaseAt(view: ViewReader, parentHex: string | null): Promise<WorkBase | null> {
    const chain = this.chain ?? (await this.open(view), this.chain)
    if (chain === null) return null
    const parent = parentHex === null ? undefined : await this.loadRecord(view, chain, parentHex)
    if (parentHex !== null && parent === undefined) throw new Error(`share ${parentHex} is not in the view`)
    if (parent !== undefined) await this.hydrate(view, chain, parent.idHex)
    const uncles = parent === undefined ? [] : await this.pickUncles(view, chain, parent)
    return {
      chain,
      parent: parent ?? null,
      height: parent === undefined ? 0 : parent.height + 1,
      parentId: parent?.id ?? new Uint8Array(32),
      shareBits: chain.expectedBits(parent),
      minTime: chain.medianTimePast(parent) + 1,
      uncles,
      payouts: (finderScript, coinbaseValue, limit) => chain.payoutSplit(parent, finderScript, coinbaseValue, limit ?? null),
      outsiderPayouts: (coinbaseValue, limit, finderScriptLength) => chain.outsiderSplit(parent, coinbaseValue, limit ?? null, finderScriptLength)
    }
  }

  /** Uncle candidates: recent valid shares off the best chain that a child of `parent` may credit. */
  private async pickUncles(view: ViewReader, chain: ShareChain, parent: ShareRecord): Promise<Uint8Array[]> {
    const p = chain.params
    if (p.maxUncles === 0) return []
    const childHeight = parent.height + 1
    const credited = new Set<string>()
    const onChain = new Set<string>()
    for (const a of chain.ancestry(parent, p.uncleDepth + 1)) {
      onChain.add(a.idHex)
      for (const u of a.uncleHexes) credited.add(u)
    }
    const candidates: ShareRecord[] = []
    for (const rec of chain.recent(parent, p.uncleDepth)) {
      if (onChain.has(rec.idHex) || credited.has(rec.idHex)) continue
      const lag = childHeight - rec.height
      if (lag < 1 || lag > p.uncleDepth) continue
      const branchParent = rec.height === 0 ? null : (chain.ancestorAt(parent, rec.height - 1)?.idHex ?? '')
      if (rec.parentHex !== branchParent) continue
      if ((await view.get(KEY.share(rec.idHex))) === null) continue
      candidates.push(rec)
    }
    candidates.sort((a, b) => (a.work === b.work ? a.idHex.localeCompare(b.idHex) : a.work > b.work ? -1 : 1))
    return candidates
      .slice(0, p.maxUncles)
      .map((r) => r.id)
      .sort((a, b) => toHex(a).localeCompare(toHex(b)))
  }
}

export interface WorkBase {
  chain: ShareChain
  parent: ShareRecord | null
  parentId: Uint8Array
  height: number
  shareBits: number
  /** The earliest header time a share on this parent may carry. */
  minTime: number
  uncles: Uint8Array[]
  /** The split for a finder; of the byte class `limit` comes from (classes.ts), the full class without one. */
  payouts(finderScript: Uint8Array, coinbaseValue: bigint, limit?: ClassLimit | null): PayoutSplit
  /**
   * The split every finder without work in the window shares (null: split per finder); for a byte
   * class, every such finder with a script of that length. Optional: a base built by hand splits per finder.
   */
  outsiderPayouts?(coinbaseValue: bigint, limit?: ClassLimit | null, finderScriptLength?: number): OutsiderSplit | null
}

/** How many ancestors of a parent the rules read: the window, the median time past, uncle checks. */
function ruleDepth(p: CoopParams): number {
  return Math.max(p.windowShares, 12, p.uncleDepth + 2) + 1
}

/**
 * Runs a pure validation step. An unexpected error there is a bug, but a deterministic one (the
 * same code fails the same way on every node), so it is recorded as the share's reason rather than
 * thrown: a throw inside apply would close the base. Errors of the view's I/O are never caught.
 */
function pure<T>(step: () => T): T {
  try {
    return step()
  } catch (err) {
    if (err instanceof ShareRejected) throw err
    throw new ShareRejected('internal-error', err instanceof Error ? err.message : String(err))
  }
}

function invalid(reason: string, detail: string): Extract<Outcome, { kind: 'invalid' }> {
  return { kind: 'invalid', accepted: false, reason, detail, id: null }
}

function valueFromRecord(r: ShareRecord, seq: number): ShareValue {
  return {
    bytes: toHex(encodeShare(r.share)),
    height: r.height,
    parent: r.parentHex,
    time: r.time,
    chainTime: r.chainTime,
    target: r.target.toString(16),
    work: String(r.work),
    cumWork: String(r.cumWork),
    script: r.scriptHex,
    uncles: r.uncleHexes,
    isBlock: r.isBlock,
    seq
  }
}

/** Rebuilds a memo record from the view (already validated when it was stored). */
export function recordFromValue(idHex: string, v: ShareValue): ShareRecord {
  const share = decodeShare(fromHex(v.bytes))
  return {
    id: fromHex(idHex),
    idHex,
    share,
    parentHex: v.parent,
    height: v.height,
    time: v.time,
    chainTime: v.chainTime,
    target: BigInt('0x' + v.target),
    work: BigInt(v.work),
    cumWork: BigInt(v.cumWork),
    scriptHex: v.script,
    uncleHexes: v.uncles,
    isBlock: v.isBlock
  }
}
