import { compareKeys, KEY, RANGE, type StatsValue, type TipValue, type ViewEntry } from '../sharechain/view.js'
import { anomaly, type Anomaly } from './anomaly.js'
import type { NodeClaims } from './log.js'
import type { ReplayResult } from './replay.js'

/**
 * The node's derived records against the replay's, key by key: the tip, the counters, every miner
 * total, every found block (with its payout outputs) and, for a live view, the height index.
 * Records of shares the replay rejected are left out (that rejection is already the finding).
 */
export async function compareClaims(claims: NodeClaims, result: ReplayResult): Promise<Anomaly[]> {
  const out: Anomaly[] = []
  const { view } = result

  const tip = (view.getSync(KEY.tip)?.value as TipValue | undefined) ?? null
  compareValue('tip', claims.tip, tip, out)
  compareStats(claims.stats, result, out)

  const skip = (key: string): boolean => result.rejectedShares.has(key.slice(key.indexOf('!') + 1))
  mergeCompare(
    claims.miners.map((m) => ({ key: KEY.miner(m.script), value: m })),
    await collect(view.createReadStream(RANGE.miners)),
    out,
    () => false
  )
  mergeCompare(
    claims.blocks.map((b) => ({ key: KEY.block(b.id), value: b })),
    await collect(view.createReadStream(RANGE.blocks)),
    out,
    skip
  )
  if (claims.heights !== null) mergeCompare(claims.heights, await collect(view.createReadStream(RANGE.heights)), out, () => false)
  return out
}

function compareStats(node: StatsValue | null, result: ReplayResult, out: Anomaly[]): void {
  const replayed = result.view.getSync(KEY.stats)?.value as StatsValue | undefined
  if (node === null) {
    if (result.claimedShares + result.nodeRejected.length > 0) out.push(anomaly('record-missing', 'the node has no stats record, yet it lists log entries'))
    return
  }
  const problems: string[] = []
  const shares = replayed?.shares ?? 0
  const blocks = replayed?.blocks ?? 0
  if (node.shares !== shares) problems.push(`shares: node ${node.shares}, replay ${shares}`)
  if (node.blocks !== blocks) problems.push(`blocks: node ${node.blocks}, replay ${blocks}`)
  if (node.invalid !== result.nodeRejected.length) problems.push(`invalid: node counts ${node.invalid}, its view records ${result.nodeRejected.length}`)
  if (node.seq <= result.lastSeq) problems.push(`seq: node says ${node.seq} entries applied, yet records log position ${result.lastSeq}`)
  if (problems.length > 0) out.push(anomaly('record-mismatch', `stats: ${problems.join('; ')}`))
}

/** Merge of two key-sorted record lists; reports what differs, what is missing and what is extra. */
function mergeCompare(node: readonly ViewEntry[], replayed: readonly ViewEntry[], out: Anomaly[], skip: (key: string) => boolean): void {
  const sortedNode = [...node].sort((a, b) => compareKeys(a.key, b.key))
  let i = 0
  let j = 0
  while (i < sortedNode.length || j < replayed.length) {
    const a = sortedNode[i]
    const b = replayed[j]
    const order = a === undefined ? 1 : b === undefined ? -1 : compareKeys(a.key, b.key)
    if (order === 0 && a !== undefined && b !== undefined) {
      compareValue(a.key, a.value, b.value, out)
      i++
      j++
    } else if (order < 0 && a !== undefined) {
      if (!skip(a.key)) out.push(anomaly('record-extra', `${a.key}: the node has this record, the replay derives none`, { id: idOf(a.key) }))
      i++
    } else if (b !== undefined) {
      if (!skip(b.key)) out.push(anomaly('record-missing', `${b.key}: the replay derives ${JSON.stringify(b.value)}, the node has no such record`, { id: idOf(b.key) }))
      j++
    }
  }
}

/** Field-level difference of two records (JSON values), as one finding. */
function compareValue(key: string, node: unknown, replayed: unknown, out: Anomaly[]): void {
  if (JSON.stringify(node) === JSON.stringify(replayed)) return
  if (node === null || node === undefined) {
    out.push(anomaly('record-missing', `${key}: the replay derives ${JSON.stringify(replayed)}, the node has no such record`, { id: idOf(key) }))
    return
  }
  if (replayed === null || replayed === undefined) {
    out.push(anomaly('record-extra', `${key}: the node has ${JSON.stringify(node)}, the replay derives none`, { id: idOf(key) }))
    return
  }
  let detail: string
  if (isRecord(node) && isRecord(replayed)) {
    const fields = [...new Set([...Object.keys(replayed), ...Object.keys(node)])]
    detail = fields
      .filter((f) => JSON.stringify(node[f]) !== JSON.stringify(replayed[f]))
      .map((f) => `${f}: node ${JSON.stringify(node[f])}, replay ${JSON.stringify(replayed[f])}`)
      .join('; ')
  } else {
    detail = `node ${JSON.stringify(node)}, replay ${JSON.stringify(replayed)}`
  }
  out.push(anomaly('record-mismatch', `${key}: ${detail}`, { id: idOf(key) }))
}

/** The share id in a `share!`/`block!` key; null for other records. */
function idOf(key: string): string | null {
  return key.startsWith('share!') || key.startsWith('block!') ? key.slice(key.indexOf('!') + 1) : null
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

async function collect(stream: AsyncIterable<ViewEntry>): Promise<ViewEntry[]> {
  const out: ViewEntry[] = []
  for await (const e of stream) out.push(e)
  return out
}

