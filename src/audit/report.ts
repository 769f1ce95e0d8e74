import { fromHex } from '../bitcoin/bytes.js'
import { scriptToAddress } from '../bitcoin/address.js'
import type { CoopParams } from '../../protocol/params.js'
import type { TipValue } from '../sharechain/view.js'
import { compareAnomalies, type Anomaly } from './anomaly.js'
import type { ChainStatus } from './bitcoin.js'
import type { BlockEntry, PayoutRow } from './ledger.js'
import type { SourceKind } from './log.js'

/**
 * The audit's result as data. `toJson` fixes the key order (objects are built field by field below
 * and never keyed by data), so the same input always gives the same bytes; nothing time-dependent
 * is included unless the caller asks for a timestamp.
 */
export interface AuditReport {
  version: 1
  source: { kind: SourceKind; label: string }
  cooperative: { consensusId: string; network: string; name: string; windowShares: number; shareInterval: number }
  summary: {
    clean: boolean
    /** Entries the node says it applied (its stats), genesis and admin operations included. */
    logLength: number | null
    /** Entries its view keeps: accepted shares and rejected entries. */
    logEntries: number
    shares: number
    rejectedByReplay: number
    totalWork: string
    tip: TipValue | null
    /** found: valid by the replay; claimedInvalid: recorded by the node, rejected by the replay; the Bitcoin counts cover both. */
    blocks: { found: number; claimedInvalid: number; inBestChain: number | null; orphaned: number | null; unknownToBitcoin: number | null }
    bitcoinChecked: boolean
    invalidRecordedByNode: number
    invalidReasons: { reason: string; count: number }[]
    errors: number
    warnings: number
  }
  payouts: {
    script: string
    address: string | null
    shares: number
    uncles: number
    work: string
    workSharePct: string
    expectedSats: string
    paidSats: string
    differenceSats: string
  }[]
  blocks: {
    id: string
    hash: string
    shareHeight: number
    blockHeight: number
    finder: string
    coinbaseValue: string
    validShare: boolean
    bitcoin: ChainStatus | 'not-checked'
    confirmations: number | null
    coinbase: 'match' | 'mismatch' | 'not-checked'
  }[]
  anomalies: Anomaly[]
  generatedAt?: string
}

export interface ReportInput {
  source: { kind: SourceKind; label: string }
  params: CoopParams
  consensusId: string
  logLength: number | null
  logEntries: number
  shares: number
  rejectedByReplay: number
  tip: TipValue | null
  nodeRejectedReasons: string[]
  rows: PayoutRow[]
  blocks: BlockEntry[]
  bitcoinChecked: boolean
  anomalies: Anomaly[]
  generatedAt?: string
}

export function buildReport(input: ReportInput): AuditReport {
  const anomalies = [...input.anomalies].sort(compareAnomalies)
  const errors = anomalies.filter((a) => a.severity === 'error').length
  const totalWork = input.rows.reduce((sum, r) => sum + r.work, 0n)
  const count = (status: ChainStatus): number | null => (input.bitcoinChecked ? input.blocks.filter((b) => b.bitcoin?.status === status).length : null)
  const reasons = new Map<string, number>()
  for (const r of input.nodeRejectedReasons) reasons.set(r, (reasons.get(r) ?? 0) + 1)
  const report: AuditReport = {
    version: 1,
    source: { kind: input.source.kind, label: input.source.label },
    cooperative: { consensusId: input.consensusId, network: input.params.network, name: input.params.name, windowShares: input.params.windowShares, shareInterval: input.params.shareInterval },
    summary: {
      clean: errors === 0,
      logLength: input.logLength,
      logEntries: input.logEntries,
      shares: input.shares,
      rejectedByReplay: input.rejectedByReplay,
      totalWork: String(totalWork),
      tip: input.tip === null ? null : { id: input.tip.id, height: input.tip.height, cumWork: input.tip.cumWork },
      blocks: { found: input.blocks.filter((b) => b.valid).length, claimedInvalid: input.blocks.filter((b) => !b.valid).length, inBestChain: count('in-best-chain'), orphaned: count('orphaned'), unknownToBitcoin: count('unknown') },
      bitcoinChecked: input.bitcoinChecked,
      invalidRecordedByNode: input.nodeRejectedReasons.length,
      invalidReasons: [...reasons.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([reason, n]) => ({ reason, count: n })),
      errors,
      warnings: anomalies.length - errors
    },
    payouts: input.rows.map((r) => ({
      script: r.script,
      address: addressOf(r.script, input.params.network),
      shares: r.shares,
      uncles: r.uncles,
      work: String(r.work),
      workSharePct: percent(r.work, totalWork),
      expectedSats: String(r.expected),
      paidSats: String(r.paid),
      differenceSats: String(r.paid - r.expected)
    })),
    blocks: input.blocks.map((b) => ({
      id: b.id,
      hash: b.hash,
      shareHeight: b.shareHeight,
      blockHeight: b.blockHeight,
      finder: b.finder,
      coinbaseValue: b.coinbaseValue,
      validShare: b.valid,
      bitcoin: b.bitcoin?.status ?? 'not-checked',
      confirmations: b.bitcoin?.confirmations ?? null,
      coinbase: b.bitcoin?.coinbase ?? 'not-checked'
    })),
    anomalies: anomalies.map((a) => ({ kind: a.kind, severity: a.severity, seq: a.seq, id: a.id, reason: a.reason, message: a.message }))
  }
  if (input.generatedAt !== undefined) report.generatedAt = input.generatedAt
  return report
}

export function toJson(report: AuditReport): string {
  return JSON.stringify(report, null, 2) + '\n'
}

/** The address of an output script, or null when it has no standard form. */
export function addressOf(scriptHex: string, network: CoopParams['network']): string | null {
  try {
    return scriptToAddress(fromHex(scriptHex), network)
  } catch {
    return null
  }
}

/** `part / whole` as a percentage with 4 decimals, exact (integer arithmetic, rounded half up). */
export function percent(part: bigint, whole: bigint): string {
  if (whole === 0n) return '0.0000'
  const scaled = (part * 2_000_000n + whole) / (2n * whole) // percent x 10^4, rounded
  const sign = scaled < 0n ? '-' : ''
  const abs = scaled < 0n ? -scaled : scaled
  return `${sign}${abs / 10_000n}.${String(abs % 10_000n).padStart(4, '0')}`
}

/** Satoshis as BTC with 8 decimals, exact. */
export function btc(sats: bigint): string {
  const sign = sats < 0n ? '-' : ''
  const abs = sats < 0n ? -sats : sats
  return `${sign}${abs / 100_000_000n}.${String(abs % 100_000_000n).padStart(8, '0')}`
}
