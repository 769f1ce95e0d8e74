import { concatBytes } from '../bitcoin/bytes.js'
import { encodeEntry } from '../../protocol/share.js'
import type { ShareChain } from '../sharechain/chain.js'
import { MemoryView } from '../sharechain/memory-view.js'
import { MEMO_SHARES, ShareChainState, type LogEntry, type Outcome } from '../sharechain/state.js'
import { EMPTY_STATS, KEY, type ShareValue, type StatsValue } from '../sharechain/view.js'
import { anomaly, type Anomaly } from './anomaly.js'
import type { AcceptedShare, AuditSource, RejectedEntry } from './log.js'

/**
 * The replay: every share the node accepted goes, in log order, through the node's own state
 * machine (ShareChainState: stage 1 and 2 validation, payouts, fork choice, view records) into an
 * empty in-memory view. Nothing here decides validity; it only feeds entries and compares.
 *
 * Log positions: the replay view's `stats.seq` is set to each share's recorded seq before it is
 * applied, so the replayed records carry the same seq as the node's. Positions it skips are the
 * entries the node's view keeps no bytes for (rejected entries, admin operations, the genesis).
 */
export interface ReplayOptions {
  /** Entries per apply call (a view batch), as Autobase hands the node several at a time. */
  batchSize?: number
  /** Called after each batch with the number of log items consumed. */
  onProgress?: (done: number) => void
  /** Bound on the chain memo's records (StateOptions.memoShares). */
  memoShares?: number
}

export interface ReplayResult {
  view: MemoryView
  state: ShareChainState
  chain: ShareChain
  anomalies: Anomaly[]
  /** Shares the node accepted (what the source lists). */
  claimedShares: number
  /** Of those, the ones the replay rejects. */
  rejectedByReplay: number
  /** Entries the node itself recorded as invalid. */
  nodeRejected: RejectedEntry[]
  /** Shares the replay rejected, by the id the node gave them: their encoded bytes. */
  rejectedShares: Map<string, Uint8Array>
  /** Highest log position seen, or -1. */
  lastSeq: number
}

/** A log entry is a tag byte then its body; 1 is a share (SPEC.md §10). The view stores the body. */
const SHARE_ENTRY_TAG = Uint8Array.of(1)

export async function replay(source: AuditSource, opts: ReplayOptions = {}): Promise<ReplayResult> {
  const batchSize = opts.batchSize ?? 1000
  // A bounded memo: a year of shares would not fit in memory twice (the view holds them).
  const state = new ShareChainState(source.consensusId, { memoShares: opts.memoShares ?? MEMO_SHARES })
  const view = new MemoryView()
  const anomalies: Anomaly[] = []
  const nodeRejected: RejectedEntry[] = []
  const rejectedShares = new Map<string, Uint8Array>()
  let claimedShares = 0
  let rejectedByReplay = 0
  let lastSeq = -1
  let consumed = 0

  const [genesis] = await applyEntries(view, state, [{ value: encodeEntry({ type: 'genesis', params: source.params }), writer: 'auditor' }])
  if (genesis?.kind !== 'genesis') throw new Error(`the replay refused the source's own genesis record: ${JSON.stringify(genesis)}`)
  const chain = state.shareChain
  if (chain === null) throw new Error('no share-chain after the genesis record')

  let pending: AcceptedShare[] = []
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return
    const batch = pending
    pending = []
    await setNextSeq(view, (batch[0] as AcceptedShare).seq)
    const outcomes = await applyEntries(
      view,
      state,
      batch.map((item) => ({ value: concatBytes(SHARE_ENTRY_TAG, item.bytes), writer: 'auditor' }))
    )
    for (const [i, item] of batch.entries()) {
      const outcome = outcomes[i] as Outcome
      if (outcome.kind === 'share') {
        if (outcome.id !== item.claimedId) {
          anomalies.push(anomaly('id-mismatch', `the node filed share ${outcome.id} under id ${item.claimedId}`, { seq: item.seq, id: item.claimedId }))
        } else if (item.stored !== undefined) {
          compareShareRecord(view, item, anomalies)
        }
      } else if (outcome.kind === 'invalid') {
        rejectedByReplay++
        rejectedShares.set(item.claimedId, item.bytes)
        const id = outcome.id ?? item.claimedId
        anomalies.push(
          anomaly('replay-rejected', `the node accepted share ${id} at log position ${item.seq}; the consensus rules reject it: ${outcome.reason}: ${outcome.detail}`, {
            seq: item.seq,
            id,
            reason: outcome.reason
          })
        )
      }
    }
    consumed += batch.length
    opts.onProgress?.(consumed)
  }

  for await (const item of source.items()) {
    if (item.seq <= lastSeq) {
      anomalies.push(anomaly('seq-conflict', `log position ${item.seq} is claimed again (after position ${lastSeq}) by ${item.kind === 'share' ? `share ${item.claimedId}` : 'a rejected entry'}`, { seq: item.seq, id: item.kind === 'share' ? item.claimedId : item.value.id }))
    }
    if (item.kind === 'rejected') {
      await flush()
      nodeRejected.push(item)
      consumed++
    } else {
      claimedShares++
      const previous = pending.at(-1)
      if (previous !== undefined && item.seq !== previous.seq + 1) await flush()
      pending.push(item)
      if (pending.length >= batchSize) await flush()
    }
    lastSeq = Math.max(lastSeq, item.seq)
  }
  await flush()
  return { view, state, chain, anomalies, claimedShares, rejectedByReplay, nodeRejected, rejectedShares, lastSeq }
}

async function applyEntries(view: MemoryView, state: ShareChainState, entries: LogEntry[]): Promise<Outcome[]> {
  const batch = view.batch()
  const outcomes = await state.apply(batch, entries)
  await batch.flush()
  return outcomes
}

/**
 * Moves the replay's log position forward to `seq` (never back: a conflicting position is applied
 * at the next free one, and the record comparison reports the difference).
 */
async function setNextSeq(view: MemoryView, seq: number): Promise<void> {
  const stats = (view.getSync(KEY.stats)?.value as StatsValue | undefined) ?? { ...EMPTY_STATS }
  if (stats.seq >= seq) return
  const batch = view.batch()
  await batch.put(KEY.stats, { ...stats, seq })
  await batch.flush()
}

const SHARE_FIELDS: (keyof ShareValue)[] = ['bytes', 'height', 'parent', 'time', 'target', 'work', 'cumWork', 'script', 'uncles', 'isBlock', 'seq']

/** Every field of the node's `share!<id>` record against the replay's. */
function compareShareRecord(view: MemoryView, item: AcceptedShare, anomalies: Anomaly[]): void {
  const replayed = view.getSync(KEY.share(item.claimedId))?.value as ShareValue | undefined
  const stored = item.stored as ShareValue
  if (replayed === undefined) return // cannot happen after an accepted outcome
  const differing = SHARE_FIELDS.filter((f) => JSON.stringify(stored[f]) !== JSON.stringify(replayed[f]))
  if (differing.length === 0) return
  const what = differing.map((f) => `${f}: node ${JSON.stringify(stored[f])}, replay ${JSON.stringify(replayed[f])}`).join('; ')
  anomalies.push(anomaly('record-mismatch', `share!${item.claimedId}: ${what}`, { seq: item.seq, id: item.claimedId }))
}
