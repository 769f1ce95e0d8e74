/**
 * The per-worker accounting (src/stats/) as the API shows it: each worker's counts, difficulty,
 * 10 min / 1 h / 24 h hashrates and best shares; a miner's 24 h chart with its best shares marked;
 * its next payout and its past payouts from the blocks the cooperative found.
 */
import { addressToScript } from '../bitcoin/address.js'
import { hashToHex } from '../bitcoin/hash.js'
import { fromHex, toHex } from '../bitcoin/bytes.js'
import type { NetworkName } from '../bitcoin/networks.js'
import { HOUR_MS, MINUTE_MS, TEN_MINUTES_MS, WorkerBook, type BestShare, type HashrateWindows, type WorkerRecord } from '../stats/worker-book.js'
import type { ApiContext } from './context.js'
import { axisTicks, type AxisTick } from './estimates.js'
import { nextPayoutBody } from './payouts.js'
import { formatBtc, formatHashrate } from './units.js'

export interface BestBody {
  difficulty: number
  at: string
  worker: string
}

export interface AccountingBody {
  hashrates: HashrateWindows
  hashrateTexts: Record<keyof HashrateWindows, string>
  stale: number
  rejectedBy: Record<string, number>
  best: { allTime: BestBody | null; sinceBlock: BestBody | null }
  firstSeenAt: string
}

function bestBody(b: BestShare | null): BestBody | null {
  return b === null ? null : { difficulty: b.difficulty, at: new Date(b.at).toISOString(), worker: b.worker }
}

export function texts(h: HashrateWindows): Record<keyof HashrateWindows, string> {
  return { '10m': formatHashrate(h['10m']), '1h': formatHashrate(h['1h']), '24h': formatHashrate(h['24h']) }
}

function accountingBodyOf(w: WorkerRecord, now: number): AccountingBody {
  const hashrates = WorkerBook.hashrates(w, now)
  const rejectedBy: Record<string, number> = {}
  for (const [reason, n] of Object.entries(w.rejectedBy)) rejectedBy[reason] = n ?? 0
  return { hashrates, hashrateTexts: texts(hashrates), stale: w.stale, rejectedBy, best: { allTime: bestBody(w.bestAllTime), sinceBlock: bestBody(w.bestSinceBlock) }, firstSeenAt: new Date(w.firstSeenAt).toISOString() }
}

export const accountingBody = accountingBodyOf
export { bestBody }

/** The book's workers paying to `script` (a miner may type its address in another case). */
export function recordsForScript(book: WorkerBook, script: string, network: NetworkName): WorkerRecord[] {
  return book.allWorkers().filter((w) => scriptOf(w.address, network) === script)
}

/** Every worker of the book by the script it pays to, in one pass (the miners list). */
export function recordsByScript(book: WorkerBook, network: NetworkName): Map<string, WorkerRecord[]> {
  const out = new Map<string, WorkerRecord[]>()
  for (const w of book.allWorkers()) {
    const script = scriptOf(w.address, network)
    if (script === null) continue
    const list = out.get(script)
    if (list === undefined) out.set(script, [w])
    else list.push(w)
  }
  return out
}

const scripts = new Map<string, string | null>()

function scriptOf(address: string, network: NetworkName): string | null {
  const key = `${network}:${address}`
  let s = scripts.get(key)
  if (s === undefined) {
    try {
      s = toHex(addressToScript(address, network))
    } catch {
      s = null
    }
    if (scripts.size > 10_000) scripts.clear()
    scripts.set(key, s)
  }
  return s
}

export interface MinerChart {
  from: number
  to: number
  bucketSeconds: number
  points: { t: number; hashrate: number }[]
  /** The best share of each point that has one, for the markers. */
  bestShares: { t: number; difficulty: number; worker: string }[]
  ticks: AxisTick[]
}

/**
 * `hours` of a miner's hashrate on this node in at most `points` buckets (unix seconds), best
 * shares marked. Past an hour, buckets are whole ten minutes (what the accounting keeps that long).
 */
export function minerChart(records: readonly WorkerRecord[], nowMs: number, hours: number, points: number): MinerChart {
  const span = hours * 3_600_000
  const raw = Math.max(MINUTE_MS, Math.ceil(span / points / MINUTE_MS) * MINUTE_MS)
  // Buckets of whole ten minutes past an hour's span: those are the only ones kept that long.
  const bucketMs = span > HOUR_MS || raw >= TEN_MINUTES_MS ? Math.ceil(raw / TEN_MINUTES_MS) * TEN_MINUTES_MS : raw
  const unit = bucketMs >= TEN_MINUTES_MS ? TEN_MINUTES_MS : MINUTE_MS
  const end = nowMs - (nowMs % unit) + unit
  const count = Math.max(2, Math.min(points, Math.ceil(span / bucketMs)))
  const start = end - bucketMs * count
  const sums = new Array<number>(count).fill(0)
  const bests = new Array<{ difficulty: number; worker: string } | null>(count).fill(null)
  // Ten-minute buckets when the chart's are that coarse (the 24 h chart), else the last hour's minutes.
  const fine = bucketMs < TEN_MINUTES_MS
  for (const w of records) {
    for (const b of fine ? w.minutes : w.tens) {
      const i = Math.floor((b.minute - start) / bucketMs)
      if (i < 0 || i >= count) continue
      sums[i] = (sums[i] as number) + b.difficulty
      const best = bests[i] ?? null
      if (best === null || b.best > best.difficulty) bests[i] = { difficulty: b.best, worker: w.worker }
    }
  }
  const seconds = bucketMs / 1000
  const firstSeen = Math.min(...records.map((w) => w.firstSeenAt))
  const chartPoints = sums.map((sum, i) => ({ t: Math.floor((start + (i + 1) * bucketMs) / 1000), hashrate: (sum * 2 ** 32) / coveredSeconds(start + i * bucketMs, bucketMs, firstSeen, nowMs) }))
  const bestShares: MinerChart['bestShares'] = []
  bests.forEach((b, i) => {
    if (b !== null) bestShares.push({ t: (chartPoints[i] as { t: number }).t, difficulty: b.difficulty, worker: b.worker })
  })
  const max = Math.max(0, ...chartPoints.map((p) => p.hashrate))
  return { from: Math.floor(start / 1000), to: Math.floor(end / 1000), bucketSeconds: seconds, points: chartPoints, bestShares, ticks: axisTicks(max) }
}

/**
 * Seconds of a bucket the miner could have hashed in: not the part still to come (the current
 * bucket), nor before it was first seen; at least a minute, as for the hashrate estimates, so one
 * lucky share just after connecting is no hashrate. A whole bucket's length when nothing overlaps.
 */
function coveredSeconds(bucketStart: number, bucketMs: number, firstSeen: number, nowMs: number): number {
  const covered = Math.min(bucketStart + bucketMs, nowMs) - Math.max(bucketStart, firstSeen)
  return (covered > 0 ? Math.max(covered, MINUTE_MS) : bucketMs) / 1000
}

export interface PastPayout {
  blockHeight: number
  hash: string
  time: number
  sats: string
  btc: string
}

export interface MinerPayouts {
  /** What a block found now would pay this miner (null while no template or no share yet). */
  next: { sats: string; btc: string; pct: number } | null
  past: PastPayout[]
  pastTotal: { blocks: number; sats: string; btc: string }
}

/** Payouts are consensus: read from the share-chain's found blocks, never from this node's accounting. */
export async function minerPayouts(ctx: ApiContext, script: string, limit = 50): Promise<MinerPayouts> {
  let next: MinerPayouts['next'] = null
  try {
    const split = await nextPayoutBody(ctx, null)
    const mine = split.outputs.find((o) => o.script === script)
    next = mine === undefined ? { sats: '0', btc: formatBtc(0n), pct: 0 } : { sats: mine.sats, btc: mine.btc, pct: mine.pct }
  } catch {
    next = null // no template or no share yet: the API says so elsewhere (/api/payouts/next)
  }
  const past: PastPayout[] = []
  let total = 0n
  let blocks = 0
  for (const b of await ctx.reader.blocks()) {
    const paid = b.outputs.filter((o) => o.script === script).reduce((a, o) => a + BigInt(o.value), 0n)
    if (paid === 0n) continue
    blocks += 1
    total += paid
    if (past.length < limit) past.push({ blockHeight: b.blockHeight, hash: hashToHex(fromHex(b.id)), time: b.time, sats: String(paid), btc: formatBtc(paid) })
  }
  return { next, past, pastTotal: { blocks, sats: String(total), btc: formatBtc(total) } }
}
