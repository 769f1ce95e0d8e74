/**
 * GET /api/miners and /api/miners/:address: every payout address the share-chain knows or this
 * node serves, with two hashrate estimates (the share-chain's, cooperative-wide; this node's
 * stratum sessions'), its part of the PPLNS window and what a block found now would pay it.
 */
import { classForBytes, className } from '../sharechain/classes.js'
import { toHex } from '../bitcoin/bytes.js'
import { addressToScript } from '../bitcoin/address.js'
import type { MinerValue } from '../sharechain/view.js'
import type { SessionStats } from '../stratum/types.js'
import type { ApiContext } from './context.js'
import { hashrateOf, recentWork, HASHRATE_WINDOW_SECONDS } from './estimates.js'
import { HttpError } from './http.js'
import { formatBtc, formatHashrate, percent } from './units.js'
import type { WorkerRecord } from '../stats/worker-book.js'
import { accountingBody, bestBody, minerPayouts, recordsByScript, texts, type AccountingBody, type BestBody, type MinerPayouts } from './worker-accounting.js'
import { WorkerBook } from '../stats/worker-book.js'

export interface WorkerBody extends Partial<AccountingBody> {
  name: string
  /** True while a stratum connection of this worker is open on this node. */
  online: boolean
  sessions: number
  hashrate: number
  hashrateText: string
  accepted: number
  rejected: number
  shares: number
  difficulty: number
  lastShareAt: string | null
  /**
   * The coinbase class this node builds for the worker's connection (SPEC.md §7.6): "full" or
   * "750 B"; null while offline. Two connections of one worker in two classes show both ("750 B, full").
   */
  coinbaseClass: string | null
}

export interface MinerBody {
  address: string
  script: string
  shares: number
  uncles: number
  lastShareTime: number | null
  /** Credited work in the PPLNS window at the tip, and its part of the window's total. */
  window: { work: string; pct: number }
  /** Share-chain estimate over the last HASHRATE_WINDOW_SECONDS (all nodes). */
  hashrate: number
  hashrateText: string
  /** This node's stratum sessions for the address (pseudo-shares). */
  localHashrate: number
  localHashrateText: string
  /** coinbase value x window part: what a block found now pays on average (before the finder bonus and the dust lottery). */
  expectedPayout: { sats: string; btc: string } | null
  workers: WorkerBody[]
  /** Best share of the address on this node (accounting kept across restarts). */
  best: { allTime: BestBody | null; sinceBlock: BestBody | null }
  /** This node's 10 min / 1 h / 24 h hashrate of the address, from the accounting. */
  localHashrates: AccountingBody['hashrates']
  localHashrateTexts: AccountingBody['hashrateTexts']
}

interface MinersSnapshot {
  tip: { id: string; height: number } | null
  coinbaseValue: bigint | null
  windowTotal: bigint
  miners: MinerBody[]
}

/** Live sessions' workers merged with the accounting's (which also knows workers gone offline). */
function workersOf(sessions: readonly SessionStats[], records: readonly WorkerRecord[], now: number, classOf: (limit: number | null) => string): WorkerBody[] {
  const byName = new Map<string, WorkerBody>()
  for (const session of sessions) {
    for (const w of session.workers) {
      const prev = byName.get(w.worker)
      const rejected = Object.values(w.rejected).reduce((a, b) => a + (b ?? 0), 0)
      const hashrate = (prev?.hashrate ?? 0) + w.hashrate
      const last = [prev?.lastShareAt ?? null, w.lastShareAt === null ? null : new Date(w.lastShareAt).toISOString()].filter((x): x is string => x !== null).sort().at(-1) ?? null
      byName.set(w.worker, {
        name: w.worker,
        online: true,
        sessions: (prev?.sessions ?? 0) + 1,
        hashrate,
        hashrateText: formatHashrate(hashrate),
        accepted: (prev?.accepted ?? 0) + w.accepted,
        rejected: (prev?.rejected ?? 0) + rejected,
        shares: (prev?.shares ?? 0) + w.shares,
        difficulty: session.difficulty,
        lastShareAt: last,
        coinbaseClass: joinClasses(prev?.coinbaseClass ?? null, classOf(session.coinbaseLimit))
      })
    }
  }
  for (const r of records) {
    const live = byName.get(r.worker)
    const acct = accountingBody(r, now)
    if (live !== undefined) {
      // Counts from the accounting: they span every session and restart, the live ones only this connection.
      byName.set(r.worker, { ...live, ...acct, accepted: r.accepted, rejected: r.rejected, shares: r.shares, lastShareAt: r.lastShareAt === null ? live.lastShareAt : new Date(r.lastShareAt).toISOString() })
      continue
    }
    byName.set(r.worker, {
      name: r.worker,
      online: false,
      sessions: 0,
      hashrate: acct.hashrates['10m'],
      hashrateText: acct.hashrateTexts['10m'],
      accepted: r.accepted,
      rejected: r.rejected,
      shares: r.shares,
      difficulty: r.difficulty,
      lastShareAt: r.lastShareAt === null ? null : new Date(r.lastShareAt).toISOString(),
      coinbaseClass: null,
      ...acct
    })
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name))
}

/** The distinct classes of one worker's connections, in the order met. */
function joinClasses(known: string | null, next: string): string {
  if (known === null) return next
  return known.split(', ').includes(next) ? known : `${known}, ${next}`
}

export async function minersSnapshot(ctx: ApiContext): Promise<MinersSnapshot> {
  const { node, reader } = ctx
  const [tip, stored] = await Promise.all([reader.tip(), reader.miners()])
  const base = await node.state.workBase(node.view)
  const weights = base === null ? new Map<string, bigint>() : base.chain.windowWeights(base.parent ?? undefined)
  let windowTotal = 0n
  for (const w of weights.values()) windowTotal += w
  const coinbaseValue = ctx.template()?.template.coinbaseValue ?? null
  const recent = await recentWork(reader, await ctx.chainNow(), node.params.createdAt)
  const sessions = node.stratum.sessionStats()
  // Keyed by script: a miner may spell its address differently (bech32 in capitals) from the view.
  const sessionsByScript = new Map<string, SessionStats[]>()
  for (const s of sessions) {
    if (s.address === null) continue
    let script: string
    try {
      script = toHex(addressToScript(s.address, node.params.network))
    } catch {
      continue // checked at authorize; nothing to show if it no longer parses
    }
    sessionsByScript.set(script, [...(sessionsByScript.get(script) ?? []), s])
  }
  const known = new Map<string, MinerValue | null>(stored.map((m) => [m.script, m]))
  for (const script of sessionsByScript.keys()) if (!known.has(script)) known.set(script, null)
  const book = node.workerStats.book
  const bookByScript = recordsByScript(book, node.params.network)
  for (const script of bookByScript.keys()) if (!known.has(script)) known.set(script, null)
  const nowMs = ctx.now()
  const miners: MinerBody[] = []
  for (const [script, stored] of known) {
    const address = reader.address(script)
    const weight = weights.get(script) ?? 0n
    const work = recent.byScript.get(script)?.work ?? 0n
    const hashrate = hashrateOf(work, recent.span)
    const records = bookByScript.get(script) ?? []
    const workers = workersOf(sessionsByScript.get(script) ?? [], records, nowMs, (limit) => className(node.params, classForBytes(node.params, limit)))
    const localHashrate = workers.filter((w) => w.online).reduce((a, w) => a + w.hashrate, 0)
    const localHashrates = { '10m': 0, '1h': 0, '24h': 0 }
    for (const r of records) for (const [k, v] of Object.entries(WorkerBook.hashrates(r, nowMs))) localHashrates[k as keyof typeof localHashrates] += v
    const addressBests = records.map((r) => book.address(r.address)).filter((a) => a !== undefined)
    const pick = (which: 'bestAllTime' | 'bestSinceBlock'): BestBody | null => bestBody(addressBests.map((a) => a[which]).reduce((a, b) => (b !== null && (a === null || b.difficulty > a.difficulty) ? b : a), null))
    miners.push({
      address,
      script,
      shares: stored?.shares ?? 0,
      uncles: stored?.uncles ?? 0,
      lastShareTime: stored?.lastShareTime ?? null,
      window: { work: String(weight), pct: percent(weight, windowTotal) },
      hashrate,
      hashrateText: formatHashrate(hashrate),
      localHashrate,
      localHashrateText: formatHashrate(localHashrate),
      expectedPayout: coinbaseValue === null || windowTotal === 0n ? null : payout((coinbaseValue * weight) / windowTotal),
      workers,
      best: { allTime: pick('bestAllTime'), sinceBlock: pick('bestSinceBlock') },
      localHashrates,
      localHashrateTexts: texts(localHashrates)
    })
  }
  miners.sort((a, b) => b.window.pct - a.window.pct || b.hashrate - a.hashrate || a.address.localeCompare(b.address))
  return { tip: tip === null ? null : { id: tip.id, height: tip.height }, coinbaseValue, windowTotal, miners }
}

function payout(sats: bigint): { sats: string; btc: string } {
  return { sats: String(sats), btc: formatBtc(sats) }
}

export async function minersBody(ctx: ApiContext): Promise<Record<string, unknown>> {
  const snap = await minersSnapshot(ctx)
  return {
    tip: snap.tip,
    coinbaseValue: snap.coinbaseValue === null ? null : String(snap.coinbaseValue),
    windowShares: ctx.node.params.windowShares,
    hashrateWindowSeconds: HASHRATE_WINDOW_SECONDS,
    miners: snap.miners
  }
}

/** The script of a path's address; 400 for something that is not an address of this network. */
export function minerScript(ctx: ApiContext, address: string): string {
  try {
    return toHex(addressToScript(address, ctx.node.params.network))
  } catch (err) {
    throw new HttpError(400, `'${address.slice(0, 100)}' is not a ${ctx.node.params.network} address: ${err instanceof Error ? err.message : String(err)}`)
  }
}

/** 400 for something that is not an address of this cooperative's network, 404 for a stranger. */
export async function minerBody(ctx: ApiContext, address: string): Promise<Record<string, unknown>> {
  const script = minerScript(ctx, address)
  const snap = await minersSnapshot(ctx)
  const miner = snap.miners.find((m) => m.script === script)
  if (miner === undefined) throw new HttpError(404, `no miner ${address} in this cooperative's share-chain or on this node`)
  const payouts: MinerPayouts = await minerPayouts(ctx, script)
  return { tip: snap.tip, miner, payouts }
}
