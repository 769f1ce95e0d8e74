import type { AuditReport } from './report.js'
import { btc } from './report.js'

/** How many findings the text report lists before summarizing the rest (the JSON has them all). */
const MAX_LISTED_ANOMALIES = 50

/** The report for people: a summary, the payout table, the blocks, the findings, the verdict. */
export function renderText(r: AuditReport): string {
  const s = r.summary
  const lines: string[] = []
  lines.push(`hashcoop audit of ${r.source.label}`)
  lines.push('')
  const kv = (k: string, v: string): void => void lines.push(`  ${k.padEnd(22)} ${v}`)
  kv('cooperative', `${r.cooperative.consensusId} (${r.cooperative.network}, "${r.cooperative.name}", window ${r.cooperative.windowShares} shares, ${r.cooperative.shareInterval} s interval)`)
  const kept = `${num(s.shares)} shares accepted, ${num(s.invalidRecordedByNode)} entries rejected`
  const others = s.logLength === null ? null : s.logLength - s.logEntries
  kv('log', s.logLength === null ? `${kept} (the node keeps no entry count)` : `${num(s.logLength)} entries applied by the node: ${kept}, ${num(others ?? 0)} genesis and admin operations`)
  kv('replay', s.rejectedByReplay === 0 ? 'every accepted share re-verified' : `${num(s.rejectedByReplay)} accepted shares FAIL the consensus rules`)
  kv('total work', `${s.totalWork} hashes`)
  kv('tip', s.tip === null ? 'none' : `height ${num(s.tip.height)}, share ${s.tip.id}, cumulative work ${s.tip.cumWork}`)
  const b = s.blocks
  const invalidBlocks = b.claimedInvalid === 0 ? '' : ` (and ${num(b.claimedInvalid)} the node records that the rules reject)`
  kv('blocks found', `${num(b.found)}${invalidBlocks}`)
  kv('on Bitcoin', s.bitcoinChecked ? `${num(b.inBestChain ?? 0)} in the best chain, ${num(b.orphaned ?? 0)} orphaned, ${num(b.unknownToBitcoin ?? 0)} unknown to bitcoind` : 'not checked (no --bitcoind)')
  kv('rejected by the node', s.invalidReasons.length === 0 ? 'none' : s.invalidReasons.map((x) => `${x.reason} ${num(x.count)}`).join(', '))
  kv('anomalies', `${num(s.errors)} errors, ${num(s.warnings)} warnings`)

  lines.push('')
  lines.push(
    s.bitcoinChecked
      ? 'Payouts (expected: the PPLNS split of each block in the best chain; paid: its coinbase on the Bitcoin chain)'
      : "Payouts (expected: the PPLNS split of each found block; paid: the split the node recorded)"
  )
  const table: string[][] = [['address', 'shares', 'uncles', 'work %', 'expected BTC', 'paid BTC', 'difference']]
  for (const p of r.payouts) {
    table.push([p.address ?? `script ${p.script}`, num(p.shares), num(p.uncles), p.workSharePct, btc(BigInt(p.expectedSats)), btc(BigInt(p.paidSats)), btc(BigInt(p.differenceSats))])
  }
  lines.push(...formatTable(table))

  if (r.blocks.length > 0) {
    lines.push('')
    lines.push('Blocks')
    const rows: string[][] = [['block hash', 'share height', 'block height', 'share', 'bitcoin', 'coinbase']]
    for (const blk of r.blocks) rows.push([blk.hash, num(blk.shareHeight), num(blk.blockHeight), blk.validShare ? 'valid' : 'INVALID', blk.bitcoin, blk.coinbase])
    lines.push(...formatTable(rows))
  }

  if (r.anomalies.length > 0) {
    lines.push('')
    lines.push('Anomalies')
    for (const a of r.anomalies.slice(0, MAX_LISTED_ANOMALIES)) {
      const where = a.seq === null ? '' : `[log ${a.seq}] `
      lines.push(`  ${a.severity.padEnd(7)} ${a.kind}: ${where}${a.message}`)
    }
    if (r.anomalies.length > MAX_LISTED_ANOMALIES) lines.push(`  ... and ${num(r.anomalies.length - MAX_LISTED_ANOMALIES)} more (--json lists them all)`)
  }
  lines.push('')
  lines.push(s.clean ? (s.warnings === 0 ? 'RESULT: clean' : `RESULT: clean, with ${num(s.warnings)} warnings`) : `RESULT: FAILED (${num(s.errors)} errors)`)
  if (r.generatedAt !== undefined) lines.push(`generated at ${r.generatedAt}`)
  return lines.join('\n') + '\n'
}

function num(n: number): string {
  return n.toLocaleString('en-US')
}

/** Left-aligned first column, right-aligned numbers. */
function formatTable(rows: string[][]): string[] {
  const widths: number[] = []
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)))
  return rows.map((row) => '  ' + row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  '))
}
