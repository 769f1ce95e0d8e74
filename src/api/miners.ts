/**
 * GET /api/miners and /api/miners/:address: every payout address the share-chain knows or this
 * node serves, with two hashrate estimates (the share-chain's, cooperative-wide; this node's
 * stratum sessions'), its part of the PPLNS window and what a block found now would pay it.
 */
import { toHex } from '../bitcoin/bytes.js'
import { addressToScript } from '../bitcoin/address.js'
import type { MinerValue } from '../sharechain/view.js'
import type { SessionStats } from '../stratum/types.js'
import type { ApiContext } from './context.js'
import { hashrateOf, recentWork, HASHRATE_WINDOW_SECONDS } from './estimates.js'
import { HttpError } from './http.js'
import { formatBtc, formatHashrate, percent } from './units.js'

export interface WorkerBody {
  name: string
  sessions: number
  hashrate: number
  hashrateText: string
  accepted: number
  rejected: number
  shares: number
  difficulty: number
  lastShareAt: string | null
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
}

interface MinersSnapshot {
  tip: { id: string; height: number } | null
  coinbaseValue: bigint | null
  windowTotal: bigint
  miners: MinerBody[]
}

function workersOf(sessions: readonly SessionStats[]): WorkerBody[] {
  const byName = new Map<string, WorkerBody>()
  for (const session of sessions) {
    for (const w of session.workers) {
      const prev = byName.get(w.worker)
      const rejected = Object.values(w.rejected).reduce((a, b) => a + (b ?? 0), 0)
      const hashrate = (prev?.hashrate ?? 0) + w.hashrate
      const last = [prev?.lastShareAt ?? null, w.lastShareAt === null ? null : new Date(w.lastShareAt).toISOString()].filter((x): x is string => x !== null).sort().at(-1) ?? null
      byName.set(w.worker, {
        name: w.worker,
        sessions: (prev?.sessions ?? 0) + 1,
        hashrate,
        hashrateText: formatHashrate(hashrate),
        accepted: (prev?.accepted ?? 0) + w.accepted,
        rejected: (prev?.rejected ?? 0) + rejected,
        shares: (prev?.shares ?? 0) + w.shares,
        difficulty: session.difficulty,
        lastShareAt: last
      })
    }
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name))
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
  const miners: MinerBody[] = []
  for (const [script, stored] of known) {
    const address = reader.address(script)
    const weight = weights.get(script) ?? 0n
    const work = recent.byScript.get(script)?.work ?? 0n
    const hashrate = hashrateOf(work, recent.span)
    const workers = workersOf(sessionsByScript.get(script) ?? [])
    const localHashrate = workers.reduce((a, w) => a + w.hashrate, 0)
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
      workers
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

/** 400 for something that is not an address of this cooperative's network, 404 for a stranger. */
export async function minerBody(ctx: ApiContext, address: string): Promise<Record<string, unknown>> {
  let script: string
  try {
    script = toHex(addressToScript(address, ctx.node.params.network))
  } catch (err) {
    throw new HttpError(400, `'${address.slice(0, 100)}' is not a ${ctx.node.params.network} address: ${err instanceof Error ? err.message : String(err)}`)
  }
  const snap = await minersSnapshot(ctx)
  const miner = snap.miners.find((m) => m.script === script)
  if (miner === undefined) throw new HttpError(404, `no miner ${address} in this cooperative's share-chain or on this node`)
  return { tip: snap.tip, miner }
}
