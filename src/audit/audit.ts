import { totalmem } from 'node:os'
import { getHeapStatistics } from 'node:v8'
import { toHex } from '../bitcoin/bytes.js'
import type { RpcClient } from '../bitcoin/rpc.js'
import { KEY, type TipValue } from '../sharechain/view.js'
import { anomaly, type Anomaly } from './anomaly.js'
import { checkBlock } from './bitcoin.js'
import { compareClaims } from './compare.js'
import { collectBlocks, payoutRows, type BlockEntry, type PayoutRow } from './ledger.js'
import { AuditSourceError, type AuditSource } from './log.js'
import { ProgressBar, type ProgressStream } from './progress.js'
import { replay } from './replay.js'
import { addressOf, btc, buildReport, type AuditReport } from './report.js'
import type { FoundBlockRecord } from '../blocks/store.js'
import type { NetworkName } from '../bitcoin/networks.js'

export interface AuditOptions {
  /** Reconcile found blocks with this bitcoind (its network is checked first). */
  bitcoind?: RpcClient | null
  /** Where the progress bar goes (drawn only on a TTY). */
  progress?: ProgressStream
  /** Add the time of the audit to the report (off by default: the report is then deterministic). */
  timestamp?: () => string
  /** Entries per replayed view batch. */
  batchSize?: number
  /** The JavaScript heap this process may use, in bytes (default: V8's limit). */
  heapLimit?: number
}

/**
 * Live heap the replay holds per log item: the replay's view (the chain memo is bounded, see
 * MEMO_SHARES, and counted in the base), measured at 1.3 kB a share on a 100,000-share chain
 * (npm run bench audit). A source read from a node's view (--join, --data) also holds the node's
 * records, about 1.2 kB more.
 */
const HEAP_PER_ITEM: Record<AuditSource['kind'], number> = { file: 1_500, view: 1_500, join: 2_800, data: 2_800 }
const HEAP_BASE = 160 * 2 ** 20

/**
 * Refuses, before hours of replay, a chain that cannot fit in this process's heap (it would end
 * in V8's fatal out-of-memory abort), and says how to run it.
 */
export function checkHeap(source: Pick<AuditSource, 'kind' | 'itemCount'>, limit = getHeapStatistics().heap_size_limit): void {
  const need = HEAP_BASE + source.itemCount * HEAP_PER_ITEM[source.kind]
  if (need <= limit) return
  const mb = (bytes: number): number => Math.ceil(bytes / 2 ** 20)
  const ask = mb(need * 1.25)
  const machine = totalmem()
  const advice = ask < mb(machine) * 0.9 ? `run it again with NODE_OPTIONS=--max-old-space-size=${ask}` : `this machine has ${mb(machine)} MB of memory: run it on one with at least ${Math.ceil(ask / 1024) + 2} GB, with NODE_OPTIONS=--max-old-space-size=${ask}`
  throw new AuditSourceError(`replaying ${source.itemCount} log entries needs about ${mb(need)} MB of JavaScript heap and this process may use ${mb(limit)} MB: ${advice}`)
}

/**
 * The audit of one source: replay, record-by-record comparison with the node's view, found blocks
 * and their reconciliation with Bitcoin, the payout table, the report.
 */
export async function audit(source: AuditSource, opts: AuditOptions = {}): Promise<AuditReport> {
  const rpc = opts.bitcoind ?? null
  // Before the replay, so that a wrong or unreachable bitcoind fails in seconds, not after it.
  if (rpc !== null) await rpc.checkNetwork(source.params.network)
  checkHeap(source, opts.heapLimit)
  const bar = new ProgressBar(opts.progress ?? { write: () => true }, 'replaying', source.itemCount)
  const result = await replay(source, { ...(opts.batchSize === undefined ? {} : { batchSize: opts.batchSize }), onProgress: (done) => bar.update(done) })
  bar.finish()

  const anomalies: Anomaly[] = [...result.anomalies, ...(await compareClaims(source.claims, result))]
  const blocks = await collectBlocks(source.claims, result)
  if (rpc !== null) {
    const check = new ProgressBar(opts.progress ?? { write: () => true }, 'checking blocks', blocks.length, { minTotal: 50 })
    for (const [i, b] of blocks.entries()) {
      b.bitcoin = await checkBlock(rpc, b.hash, b.expectedCoinbase)
      anomalies.push(...bitcoinFindings(b, source.submissions))
      check.update(i + 1)
    }
    check.finish()
  }
  const rows = await payoutRows(result, blocks, rpc !== null)
  anomalies.push(...payoutFindings(rows, rpc !== null, source.params.network))

  const tip = (result.view.getSync(KEY.tip)?.value as TipValue | undefined) ?? null
  return buildReport({
    source: { kind: source.kind, label: source.label },
    params: source.params,
    consensusId: toHex(source.consensusId),
    logLength: source.claims.stats?.seq ?? null,
    logEntries: result.claimedShares + result.nodeRejected.length,
    shares: result.claimedShares,
    rejectedByReplay: result.rejectedByReplay,
    tip,
    nodeRejectedReasons: result.nodeRejected.map((r) => r.value.reason),
    rows,
    blocks,
    bitcoinChecked: rpc !== null,
    anomalies,
    ...(opts.timestamp === undefined ? {} : { generatedAt: opts.timestamp() })
  })
}

function bitcoinFindings(b: BlockEntry, submissions: AuditSource['submissions']): Anomaly[] {
  const at = { seq: b.seq, id: b.id }
  const check = b.bitcoin
  if (check === null) return []
  const out: Anomaly[] = []
  if (check.status === 'unknown') out.push(anomaly('block-unknown', `block ${b.hash} (share height ${b.shareHeight}) is unknown to bitcoind: ${unknownBlockCause(submissions?.get(b.hash))}`, at))
  if (check.status === 'orphaned') out.push(anomaly('block-orphaned', `block ${b.hash} (share height ${b.shareHeight}) is not in the best Bitcoin chain (orphaned); its payouts are void`, { ...at, severity: 'warning' }))
  if (check.coinbase === 'mismatch') out.push(anomaly('coinbase-mismatch', `block ${b.hash}: its coinbase on the Bitcoin chain is not the share-chain's split: ${check.detail ?? ''}`, at))
  return out
}

/**
 * Why bitcoind may lack a block, from what the data dir's node recorded of it: its own failed
 * submission is not withholding, and says so; without a record, the block was never seen here.
 */
function unknownBlockCause(record: FoundBlockRecord | undefined): string {
  if (record === undefined || !record.submittedHere) {
    return 'never seen: this data dir has no record of submitting it (the finding node\'s data dir tells whether its submission failed; otherwise it was withheld, or this bitcoind is not synced)'
  }
  const tries = record.attempts.length
  const last = record.attempts.at(-1)
  const lastText = last === undefined ? '' : `, last at ${new Date(last.at).toISOString()}: ${last.outcome}${last.reason === null ? '' : ` (${last.reason})`}`
  if (record.status === 'unsubmitted' || record.status === 'abandoned') {
    const why = record.status === 'abandoned' ? `abandoned: ${record.reason ?? ''}` : 'still waiting to be resubmitted'
    return `submission failed on this node (${tries} attempt${tries === 1 ? '' : 's'}${lastText}; ${why}), not withheld`
  }
  return `this node submitted it (${record.status}${lastText}), but this bitcoind does not have it: it is not the one the node used, or not synced`
}

function payoutFindings(rows: readonly PayoutRow[], bitcoinChecked: boolean, network: NetworkName): Anomaly[] {
  const paidBy = bitcoinChecked ? 'the coinbases on the Bitcoin chain pay' : "the node's recorded splits pay"
  return rows
    .filter((r) => r.paid !== r.expected)
    .map((r) => {
      const address = addressOf(r.script, network)
      const who = address === null ? `script ${r.script}` : `${address} (script ${r.script})`
      return anomaly('payout-difference', `${who}: the PPLNS rules assign ${btc(r.expected)} BTC, ${paidBy} ${btc(r.paid)} BTC (difference ${btc(r.paid - r.expected)})`)
    })
}
