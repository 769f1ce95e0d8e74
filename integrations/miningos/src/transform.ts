/**
 * hashcoop API replies in the shapes MiningOS's minerpool workers report (the "standard format"
 * its Ocean, F2Pool and Luxor workers share): one stats entry per account, one entry per worker,
 * found blocks, plus what only a cooperative has: the next block's split.
 *
 * An "account" here is a payout address: in hashcoop a miner is paid straight from the coinbase of
 * every block the cooperative finds, so there is no pool balance; balance and unsettled stay 0 and
 * revenue is what found blocks paid.
 */
import type { ApiBlock, ApiMinerReply, ApiNextSplit, ApiStatus, ApiWorker } from './api.js'

export const POOL_TYPE = 'hashcoop'
const SATS = 100_000_000
const DAY_MS = 86_400_000

export interface YearlyBalance {
  month: string
  balance: number
}

export interface StatsEntry {
  username: string
  timestamp: number
  balance: number
  unsettled: number
  revenue_24h: number
  estimated_today_income: number
  hashrate: number
  hashrate_1h: number
  hashrate_24h: number
  hashrate_stale_1h: number
  hashrate_stale_24h: number
  worker_count: number
  active_workers_count: number
  yearlyBalances: YearlyBalance[]
  // hashcoop's own, after the standard fields (as Luxor's worker adds its own)
  credited_hashrate: number
  window_pct: number
  next_payout: number
  best_share: number
  best_share_since_block: number
  revenue_all_time: number
  cooperative_hashrate: number
}

export interface WorkerEntry {
  username: string
  id: string
  name: string
  online: number
  last_updated: number
  hashrate: number
  hashrate_1h: number
  hashrate_24h: number
  hashrate_stale_1h: number
  hashrate_stale_24h: number
  stale_shares: number
  rejected_shares: number
  difficulty: number
  best_share: number
}

export interface BlockEntry {
  ts: number
  blockId: string
  height: number
  /** BTC this site's accounts got from the block. */
  earnings: number
  /** The block's whole coinbase, BTC. */
  poolEarnings: number
  username: string
  finder: string
}

export interface SplitEntry {
  ts: number
  height: number
  coinbaseValue: number
  outputs: { address: string; amount: number; pct: number; site: boolean }[]
  /** The site's accounts' part of the next block, BTC and percent. */
  siteAmount: number
  sitePct: number
}

const btc = (sats: string | bigint): number => Number(sats) / SATS

function paidTo(block: ApiBlock, accounts: ReadonlySet<string>): number {
  return block.outputs.filter((o) => accounts.has(o.address)).reduce((a, o) => a + Number(o.sats), 0) / SATS
}

/** Monthly sums ("M-YYYY", MiningOS's key) of what blocks paid `account`, the last 12 months. */
export function yearlyBalances(blocks: readonly ApiBlock[], account: string, now: number): YearlyBalance[] {
  const months = new Map<string, number>()
  const today = new Date(now)
  for (let i = 0; i < 12; i++) {
    const d = new Date(today.getFullYear(), today.getMonth() - i, 1)
    months.set(`${d.getMonth() + 1}-${d.getFullYear()}`, 0)
  }
  const one = new Set([account])
  for (const b of blocks) {
    const d = new Date(b.time * 1000)
    const key = `${d.getMonth() + 1}-${d.getFullYear()}`
    if (months.has(key)) months.set(key, (months.get(key) as number) + paidTo(b, one))
  }
  return [...months].map(([month, balance]) => ({ month, balance }))
}

export function statsEntry(account: string, reply: ApiMinerReply | null, status: ApiStatus, blocks: readonly ApiBlock[], now: number): StatsEntry {
  const m = reply?.miner
  const one = new Set([account])
  const revenue24h = blocks.filter((b) => b.time * 1000 >= now - DAY_MS).reduce((a, b) => a + paidTo(b, one), 0)
  return {
    username: account,
    timestamp: now,
    balance: 0,
    unsettled: 0,
    revenue_24h: revenue24h,
    estimated_today_income: revenue24h,
    hashrate: m?.localHashrates['10m'] ?? 0,
    hashrate_1h: m?.localHashrates['1h'] ?? 0,
    hashrate_24h: m?.localHashrates['24h'] ?? 0,
    hashrate_stale_1h: 0,
    hashrate_stale_24h: 0,
    worker_count: m?.workers.length ?? 0,
    active_workers_count: m?.workers.filter((w) => w.online).length ?? 0,
    yearlyBalances: yearlyBalances(blocks, account, now),
    credited_hashrate: m?.hashrate ?? 0,
    window_pct: m?.window.pct ?? 0,
    next_payout: reply?.payouts.next === null || reply === null ? 0 : btc(reply.payouts.next.sats),
    best_share: m?.best.allTime?.difficulty ?? 0,
    best_share_since_block: m?.best.sinceBlock?.difficulty ?? 0,
    revenue_all_time: reply === null ? 0 : btc(reply.payouts.pastTotal.sats),
    cooperative_hashrate: status.shareChain.hashrate
  }
}

export function workerEntries(account: string, reply: ApiMinerReply | null): WorkerEntry[] {
  return (reply?.miner.workers ?? []).map((w: ApiWorker) => ({
    username: account,
    id: w.name === '' ? account : `${account}.${w.name}`,
    name: w.name === '' ? 'default' : w.name,
    online: w.online ? 1 : 0,
    last_updated: w.lastShareAt === null ? 0 : Date.parse(w.lastShareAt),
    hashrate: w.hashrates?.['10m'] ?? w.hashrate,
    hashrate_1h: w.hashrates?.['1h'] ?? 0,
    hashrate_24h: w.hashrates?.['24h'] ?? 0,
    hashrate_stale_1h: 0,
    hashrate_stale_24h: 0,
    stale_shares: w.stale ?? 0,
    rejected_shares: w.rejected,
    difficulty: w.difficulty,
    best_share: w.best?.allTime?.difficulty ?? 0
  }))
}

export function blockEntries(blocks: readonly ApiBlock[], accounts: readonly string[]): BlockEntry[] {
  const site = new Set(accounts)
  return blocks.map((b) => ({
    ts: b.time * 1000,
    blockId: b.hash,
    height: b.blockHeight,
    earnings: paidTo(b, site),
    poolEarnings: btc(b.coinbaseValue),
    username: b.outputs.find((o) => site.has(o.address))?.address ?? '',
    finder: b.finder
  }))
}

export function splitEntry(split: ApiNextSplit, accounts: readonly string[], now: number): SplitEntry {
  const site = new Set(accounts)
  const outputs = split.outputs.map((o) => ({ address: o.address, amount: btc(o.sats), pct: o.pct, site: site.has(o.address) }))
  const mine = outputs.filter((o) => o.site)
  return {
    ts: now,
    height: split.template.height,
    coinbaseValue: btc(split.template.coinbaseValue),
    outputs,
    siteAmount: mine.reduce((a, o) => a + o.amount, 0),
    sitePct: mine.reduce((a, o) => a + o.pct, 0)
  }
}
