/**
 * A finding of the audit. Errors make the audit fail (exit status 1); warnings are reported but are
 * not wrongdoing (a block orphaned by Bitcoin, for instance).
 */
export type Severity = 'error' | 'warning'

export type AnomalyKind =
  /** The node accepted a share that the consensus rules reject. */
  | 'replay-rejected'
  /** The node filed a share under an id that is not its header hash. */
  | 'id-mismatch'
  /** Two of the node's records claim the same log position. */
  | 'seq-conflict'
  /** A record the node derived differs from the replay's (share, height, tip, miner, block, stats). */
  | 'record-mismatch'
  /** The replay derives a record the node does not have. */
  | 'record-missing'
  /** The node has a record the replay does not derive. */
  | 'record-extra'
  /** A found block is not in the best Bitcoin chain (it lost a race). */
  | 'block-orphaned'
  /** bitcoind does not know a found block at all. */
  | 'block-unknown'
  /** A block's coinbase on the Bitcoin chain is not the one the share-chain dictates. */
  | 'coinbase-mismatch'
  /** An address was paid something other than what the PPLNS rules assigned it. */
  | 'payout-difference'

export interface Anomaly {
  kind: AnomalyKind
  severity: Severity
  /** Log position, when the finding is about one entry. */
  seq: number | null
  /** Share id (hex, internal byte order, as in the view's `share!<id>` keys), when about a share or block. */
  id: string | null
  /** The consensus reason code (SPEC.md §6) for a rejected share, else null. */
  reason: string | null
  message: string
}

export function anomaly(kind: AnomalyKind, message: string, at: { seq?: number | null; id?: string | null; reason?: string | null; severity?: Severity } = {}): Anomaly {
  return { kind, severity: at.severity ?? 'error', seq: at.seq ?? null, id: at.id ?? null, reason: at.reason ?? null, message }
}

/** Report order: by log position (findings without one last), then kind, id and message. */
export function compareAnomalies(a: Anomaly, b: Anomaly): number {
  const sa = a.seq ?? Number.MAX_SAFE_INTEGER
  const sb = b.seq ?? Number.MAX_SAFE_INTEGER
  if (sa !== sb) return sa - sb
  if (a.kind !== b.kind) return a.kind < b.kind ? -1 : 1
  if ((a.id ?? '') !== (b.id ?? '')) return (a.id ?? '') < (b.id ?? '') ? -1 : 1
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0
}
