import { EventEmitter } from 'node:events'
import { chainPlace, type ChainStatusRpc } from '../bitcoin/chain-status.js'
import type { BlockchainInfo, CallOptions, SubmitBlockResult } from '../bitcoin/rpc.js'
import { classifyAnswer, classifyFailure, type SubmitOutcome } from '../bitcoin/submit-outcome.js'
import { ATTEMPTS_KEPT, readFoundBlocks, writeFoundBlocks, type BlockStatus, type FoundBlockRecord } from './store.js'

/**
 * The found blocks of a node: submits a block solution to bitcoind, keeps the ones that could not
 * be submitted and resubmits them while they can still win, and follows every block's place on
 * bitcoind's chain (accepted, in the best chain, orphaned) until it is deep enough to stop
 * looking. Every status comes from what bitcoind said, never from the share alone; every change
 * is persisted (store.ts) and emitted for the node's log.
 */
export interface FoundBlocksRpc extends ChainStatusRpc {
  submitBlock(hex: string, options?: CallOptions): Promise<SubmitBlockResult>
  getBlockchainInfo(options?: CallOptions): Promise<BlockchainInfo>
}

export interface FoundBlocksOptions {
  /** The JSON file (store.ts foundBlocksPath(dataDir)). */
  path: string
  rpc: FoundBlocksRpc
  /** A submitblock got no answer: the template source marks bitcoind lost at once. */
  onUnreachable?: (err: Error) => void
  /** Status checks and resubmission attempts while any block needs one. Default 10 s. */
  checkIntervalMs?: number
  /** Confirmations (or depth below the tip) after which a block is no longer followed. Default 100 (coinbase maturity). */
  finalDepth?: number
  /** Retries of the first submitblock before the block is kept for later. Default 1. */
  submitRetries?: number
  now?: () => number
}

/** How a change came about: a first submission, a resubmission, a chain check, or giving up. */
export type ChangeCause = 'submit' | 'resubmit' | 'check' | 'abandon'

export interface BlockChange {
  record: FoundBlockRecord
  previous: BlockStatus | null
  cause: ChangeCause
}

export interface NewBlockSolution {
  hash: string
  height: number
  prevHash: string
  finder: string | null
  blockHex: string
}

const CHAIN_STATES: ReadonlySet<BlockStatus> = new Set(['accepted', 'in-best-chain', 'race-lost', 'orphaned', 'unchecked', 'unknown-to-bitcoind'])

export class FoundBlocks extends EventEmitter<{ change: [BlockChange]; error: [Error] }> {
  private readonly records = new Map<string, FoundBlockRecord>()
  private readonly rpc: FoundBlocksRpc
  private readonly now: () => number
  private readonly finalDepth: number
  private readonly submitRetries: number
  private timer: NodeJS.Timeout | null = null
  private pass: Promise<void> | null = null
  private passAgain = false
  private saving: Promise<void> = Promise.resolve()
  private closed = false
  /** Set once close() has written the last state: nothing is written after it. */
  private stopped = false

  private constructor(
    private readonly opts: FoundBlocksOptions,
    records: FoundBlockRecord[]
  ) {
    super()
    this.rpc = opts.rpc
    this.now = opts.now ?? Date.now
    this.finalDepth = opts.finalDepth ?? 100
    this.submitRetries = opts.submitRetries ?? 1
    for (const r of records) this.records.set(r.hash, r)
  }

  /** Loads the node's list (a submission in flight when the node stopped is pending again). */
  static async open(opts: FoundBlocksOptions): Promise<FoundBlocks> {
    const records = await readFoundBlocks(opts.path)
    for (const r of records) if (r.status === 'submitting') r.status = 'unsubmitted'
    const blocks = new FoundBlocks(opts, records)
    blocks.timer = setInterval(() => blocks.runPass(), opts.checkIntervalMs ?? 10_000)
    return blocks
  }

  get(hash: string): FoundBlockRecord | undefined {
    return this.records.get(hash)
  }

  list(): FoundBlockRecord[] {
    return [...this.records.values()]
  }

  /**
   * Submits a solution found here. Resolves with the record once bitcoind answered, or once it is
   * kept for resubmission because bitcoind did not answer.
   */
  async submit(solution: NewBlockSolution): Promise<FoundBlockRecord> {
    const known = this.records.get(solution.hash)
    const record: FoundBlockRecord = known ?? {
      hash: solution.hash,
      height: solution.height,
      prevHash: solution.prevHash,
      finder: solution.finder,
      seenAt: this.now(),
      submittedHere: true,
      status: 'submitting',
      reason: null,
      confirmations: null,
      checkedAt: this.now(),
      final: false,
      attempts: [],
      blockHex: solution.blockHex
    }
    record.submittedHere = true
    record.blockHex ??= solution.blockHex
    record.prevHash ??= solution.prevHash
    record.finder ??= solution.finder
    this.records.set(record.hash, record)
    const outcome = await this.callSubmit(record.blockHex as string, this.submitRetries)
    this.apply(record, outcome, 'submit')
    return record
  }

  /** A block the share-chain says the cooperative found (any node): follow it on bitcoind. */
  observe(block: { hash: string; height: number; finder: string | null }): FoundBlockRecord {
    const known = this.records.get(block.hash)
    if (known !== undefined) return known
    const record: FoundBlockRecord = {
      ...block,
      prevHash: null,
      seenAt: this.now(),
      submittedHere: false,
      status: 'unchecked',
      reason: null,
      confirmations: null,
      checkedAt: this.now(),
      final: false,
      attempts: [],
      blockHex: null
    }
    this.records.set(block.hash, record)
    this.save()
    this.runPass()
    return record
  }

  /** Resubmits what is pending and checks every followed block now (bitcoind is back, or a new tip). */
  wake(): void {
    this.runPass()
  }

  /** Resolves once the pass running now (if any) and the writes it made are done. */
  async settled(): Promise<void> {
    while (this.pass !== null) await this.pass
    await this.saving
  }

  async close(): Promise<void> {
    this.closed = true
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
    await this.settled()
    this.stopped = true
  }

  // -------------------------------------------------------------------------------------------

  private async callSubmit(hex: string, retries: number): Promise<{ outcome: SubmitOutcome; error: Error | null }> {
    try {
      const r = await this.rpc.submitBlock(hex, { retries })
      return { outcome: classifyAnswer(r.accepted ? (r.duplicate ? 'duplicate' : null) : r.reason), error: null }
    } catch (err) {
      return { outcome: classifyFailure(err), error: err instanceof Error ? err : new Error(String(err)) }
    }
  }

  private apply(record: FoundBlockRecord, result: { outcome: SubmitOutcome; error: Error | null }, cause: ChangeCause): void {
    const { outcome } = result
    const reason = 'reason' in outcome ? outcome.reason : outcome.kind === 'duplicate' ? 'duplicate' : null
    record.attempts.push({ at: this.now(), outcome: outcome.kind, reason })
    if (record.attempts.length > ATTEMPTS_KEPT) record.attempts.splice(1, 1) // keep the first attempt
    const status: BlockStatus =
      outcome.kind === 'accepted' || outcome.kind === 'duplicate' ? 'accepted' : outcome.kind === 'race-lost' ? 'race-lost' : outcome.kind === 'rejected' ? 'rejected' : 'unsubmitted'
    if (status === 'rejected') this.finish(record)
    this.change(record, status, reason, cause)
    if (status === 'unsubmitted') this.opts.onUnreachable?.(result.error ?? new Error(reason ?? 'bitcoind unreachable'))
    else this.runPass() // where it stands on the chain
  }

  private change(record: FoundBlockRecord, status: BlockStatus, reason: string | null, cause: ChangeCause, confirmations: number | null = record.confirmations): void {
    const previous = record.status
    const changed = previous !== status || record.reason !== reason || cause === 'submit' || cause === 'resubmit'
    record.status = status
    record.reason = reason
    record.confirmations = confirmations
    record.checkedAt = this.now()
    this.save()
    if (changed) this.emit('change', { record, previous: cause === 'submit' ? null : previous, cause })
  }

  private finish(record: FoundBlockRecord): void {
    record.final = true
    record.blockHex = null
  }

  private save(): void {
    if (this.stopped) return // the node stopped; its data dir may be gone
    const snapshot = this.list().map((r) => ({ ...r, attempts: [...r.attempts] }))
    this.saving = this.saving
      .then(() => writeFoundBlocks(this.opts.path, snapshot))
      .catch((err: unknown) => {
        if (this.listenerCount('error') > 0) this.emit('error', new Error(`cannot save the found blocks: ${err instanceof Error ? err.message : String(err)}`))
      })
  }

  /** One pass at a time; a request during a pass runs one more after it. */
  private runPass(): void {
    if (this.closed && this.pass === null) return
    if (this.pass !== null) {
      this.passAgain = true
      return
    }
    this.pass = (async () => {
      do {
        this.passAgain = false
        try {
          await this.passOnce()
        } catch {
          // bitcoind unreachable mid-pass: the next pass (timer or wake) tries again.
        }
      } while (this.passAgain && !this.closed)
    })().finally(() => {
      this.pass = null
    })
  }

  private async passOnce(): Promise<void> {
    const open = this.list().filter((r) => !r.final && r.status !== 'submitting')
    if (open.length === 0) return
    const info = await this.rpc.getBlockchainInfo({ retries: 0 })
    for (const record of open.sort((a, b) => a.height - b.height)) {
      if (this.closed) return
      if (record.status === 'unsubmitted') await this.resubmit(record, info)
      else if (CHAIN_STATES.has(record.status)) await this.checkPlace(record, info)
    }
  }

  /** A block that got no answer: submitted again while it can still become the tip. */
  private async resubmit(record: FoundBlockRecord, info: BlockchainInfo): Promise<void> {
    const where = await chainPlace(this.rpc, record.hash, { retries: 0 })
    if (where.place !== 'unknown') {
      // bitcoind has it already (the lost answer was an acceptance, or the block came back by peers).
      return this.checkPlace(record, info)
    }
    if (record.blockHex === null) {
      this.finish(record)
      return this.change(record, 'abandoned', 'bitcoind does not have the block and its bytes were not kept', 'abandon')
    }
    if (info.blocks >= record.height) {
      this.finish(record)
      const reason = `bitcoind's chain moved past it before it could be resubmitted: its tip is ${info.bestblockhash} at height ${info.blocks}, this block's height is ${record.height}`
      return this.change(record, 'abandoned', reason, 'abandon')
    }
    if (info.blocks < record.height - 1) return // bitcoind is still catching up to the block's parent
    this.apply(record, await this.callSubmit(record.blockHex, 0), 'resubmit')
  }

  private async checkPlace(record: FoundBlockRecord, info: BlockchainInfo): Promise<void> {
    const where = await chainPlace(this.rpc, record.hash, { retries: 0 })
    const deep = info.blocks - record.height + 1 >= this.finalDepth
    if (where.place === 'best-chain') {
      if (where.confirmations >= this.finalDepth) this.finish(record)
      return this.change(record, 'in-best-chain', null, 'check', where.confirmations)
    }
    if (where.place === 'off-best-chain') {
      if (deep) this.finish(record)
      const status: BlockStatus = record.status === 'race-lost' ? 'race-lost' : 'orphaned'
      return this.change(record, status, record.status === 'race-lost' ? record.reason : 'no longer on bitcoind\'s best chain', 'check', -1)
    }
    // bitcoind does not know it: ours, if it had accepted it, goes back to be resubmitted (a
    // restarted bitcoind may have lost it); a lost race stays lost; another node's is unknown.
    if (record.status === 'race-lost') return this.change(record, 'race-lost', record.reason, 'check', null)
    if (record.submittedHere && record.blockHex !== null) return this.change(record, 'unsubmitted', 'bitcoind no longer has the block', 'check', null)
    if (deep) this.finish(record)
    return this.change(record, 'unknown-to-bitcoind', null, 'check', null)
  }
}
