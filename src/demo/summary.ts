/**
 * The demo's one-screen summary, redrawn every second or two: what a newcomer should see within a
 * minute (shares, blocks found and accepted, the payout split a block found now would pay, the
 * hashrate, the peers) and where to look next (the dashboard). renderSummary is pure: data in,
 * lines out; collectSummary reads a running demo.
 */
import { nextPayoutBody, type NextPayoutBody } from '../api/payouts.js'
import { statusBody } from '../api/status.js'
import { formatDuration, formatHashrate } from '../api/units.js'
import type { Demo } from './cooperative.js'

export interface SummaryData {
  elapsedSeconds: number
  dashboardUrl: string
  joinKey: string
  nodes: { index: number; role: string; stratum: string; api: string; peers: number; writable: boolean; sharesAppended: number }[]
  bitcoind: { connected: boolean; height: number | null; segwit: boolean }
  chain: { tipHeight: number | null; tipId: string | null; shares: number; invalid: number; blocks: number; hashrateText: string; shareDifficulty: number }
  blocks: { submitted: number; accepted: number; rejected: number }
  payout: { valueBtc: string; blockHeight: number; finder: string | null; outputs: { address: string; btc: string; pct: number }[] } | null
  miners: { label: string; node: number; hashrateText: string; accepted: number; rejected: number; connected: boolean }[]
  events: string[]
}

const BAR_WIDTH = 20

function bar(pct: number): string {
  const n = Math.max(0, Math.min(BAR_WIDTH, Math.round((pct / 100) * BAR_WIDTH)))
  return '█'.repeat(n) + '·'.repeat(BAR_WIDTH - n)
}

function middle(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, Math.ceil((max - 1) / 2)) + '…' + text.slice(text.length - Math.floor((max - 1) / 2))
}

export function renderSummary(d: SummaryData): string[] {
  const lines: string[] = []
  const c = d.chain
  lines.push(`hashcoop demo · regtest cooperative of ${d.nodes.length} node${d.nodes.length === 1 ? '' : 's'} and ${d.miners.length} CPU miner${d.miners.length === 1 ? '' : 's'} · up ${formatDuration(d.elapsedSeconds)}`)
  lines.push(`dashboard  ${d.dashboardUrl}        (Ctrl-C stops everything)`)
  lines.push('')
  lines.push(`bitcoind   bcoin regtest in process: ${d.bitcoind.connected ? 'connected' : 'LOST'}, height ${d.bitcoind.height ?? '?'}${d.bitcoind.segwit ? ', segwit active' : ''}`)
  lines.push(`shares     ${c.shares} valid, ${c.invalid} invalid · tip ${c.tipHeight === null ? 'none yet' : `#${c.tipHeight} ${(c.tipId ?? '').slice(0, 12)}`} · share difficulty ${c.shareDifficulty.toPrecision(3)}`)
  lines.push(`blocks     ${c.blocks} found by the share-chain · submitted ${d.blocks.submitted}, accepted ${d.blocks.accepted}, rejected ${d.blocks.rejected}`)
  lines.push(`hashrate   ${c.hashrateText} (share-chain work, all nodes)`)
  lines.push('')
  lines.push('nodes')
  for (const n of d.nodes) {
    lines.push(`  #${n.index} ${n.role.padEnd(10)} stratum ${n.stratum.padEnd(16)} ${String(n.peers).padStart(2)} peer${n.peers === 1 ? ' ' : 's'}  ${n.writable ? 'writer    ' : 'non-writer'}  shares appended ${n.sharesAppended}  api ${n.api}`)
  }
  lines.push('')
  if (d.payout === null) lines.push('next payout split: waiting for a block template and the first shares')
  else {
    lines.push(`next payout split at the tip: a block found now (height ${d.payout.blockHeight}) pays ${d.payout.valueBtc} BTC${d.payout.finder === null ? '' : `, finder ${middle(d.payout.finder, 22)}`}`)
    if (d.payout.outputs.length === 0) lines.push('  (no shares in the window yet)')
    for (const o of d.payout.outputs.slice(0, 8)) lines.push(`  ${middle(o.address, 46).padEnd(46)} ${o.btc.padStart(13)} BTC ${o.pct.toFixed(2).padStart(6)} %  ${bar(o.pct)}`)
    if (d.payout.outputs.length > 8) lines.push(`  ... and ${d.payout.outputs.length - 8} more outputs`)
  }
  lines.push('')
  lines.push('miners')
  for (const m of d.miners) {
    lines.push(`  ${middle(m.label, 52).padEnd(52)} -> node ${m.node}  ${m.hashrateText.padStart(11)}  accepted ${String(m.accepted).padStart(4)}  rejected ${m.rejected}${m.connected ? '' : '  (connecting)'}`)
  }
  if (d.events.length > 0) {
    lines.push('')
    lines.push('recent events')
    for (const e of d.events) lines.push(`  ${e}`)
  }
  return lines
}

export async function collectSummary(demo: Demo, events: string[]): Promise<SummaryData> {
  const first = demo.nodes[0]
  if (first === undefined) throw new Error('the demo has no node')
  const ctx = first.api.context
  const status = await statusBody(ctx)
  let payout: NextPayoutBody | null = null
  try {
    payout = await nextPayoutBody(ctx, null)
  } catch {
    payout = null // no template yet
  }
  const blocks = { submitted: 0, accepted: 0, rejected: 0 }
  for (const n of demo.nodes) {
    blocks.submitted += n.node.work.stats.blocks.submitted
    blocks.accepted += n.node.work.stats.blocks.accepted
    blocks.rejected += n.node.work.stats.blocks.rejected
  }
  return {
    elapsedSeconds: (Date.now() - demo.startedAt) / 1000,
    dashboardUrl: demo.dashboardUrl,
    joinKey: demo.joinKey,
    nodes: demo.nodes.map((n) => ({
      index: n.index,
      role: n.role,
      stratum: `127.0.0.1:${n.node.config.stratum.port}`,
      api: n.api.url,
      peers: n.node.swarm.peerCount,
      writable: n.node.base.writable,
      sharesAppended: n.node.work.stats.shares.accepted
    })),
    bitcoind: { connected: status.bitcoind.connected, height: status.bitcoind.height, segwit: status.bitcoind.lastTemplate?.segwit ?? false },
    chain: {
      tipHeight: status.tip?.height ?? null,
      tipId: status.tip?.id ?? null,
      shares: status.shareChain.shares,
      invalid: status.shareChain.invalid,
      blocks: status.shareChain.blocks,
      hashrateText: status.shareChain.hashrateText,
      shareDifficulty: status.shareChain.shareDifficulty
    },
    blocks,
    payout:
      payout === null
        ? null
        : { valueBtc: payout.template.coinbaseValueBtc, blockHeight: payout.template.height, finder: payout.finder?.address ?? null, outputs: payout.outputs.map((o) => ({ address: o.address, btc: o.btc, pct: o.pct })) },
    miners: demo.miners.map((m) => {
      const s = m.client?.stats()
      return { label: `${m.address}.${m.worker}`, node: m.node, hashrateText: formatHashrate(m.driver.stats().hashrate), accepted: s?.accepted ?? 0, rejected: s?.rejected ?? 0, connected: s?.authorized ?? false }
    }),
    events
  }
}
