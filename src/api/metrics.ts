/**
 * GET /metrics: Prometheus text format (prom-client, on a registry of our own, never the global
 * one, so two nodes in one process, as in the tests, never share series). Values are read from the
 * node at scrape time; totals the node keeps as plain counts are exported as counters set to them.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import { bitsToTarget, targetToDifficulty } from '../bitcoin/target.js'
import { VERSION } from '../version.js'
import { toHex } from '../bitcoin/bytes.js'
import { decodeJoinKey } from '../coop/join-key.js'
import type { ApiContext } from './context.js'
import { hashrateOf, recentWork } from './estimates.js'
import { WorkerBook, type WorkerRecord } from '../stats/worker-book.js'

/**
 * Per-worker series are for the workers with the most hashrate (1 h) on this node; the rest are
 * summed under address="_other", worker="_other", so a farm of thousands cannot blow up the
 * scrape (labels x workers stays bounded).
 */
export const METRICS_WORKERS = 50
const OTHER = { address: '_other', worker: '_other' }

export class Metrics {
  readonly registry = new Registry()
  private readonly g: Record<string, Gauge<string>> = {}
  private readonly c: Record<string, Counter<string>> = {}
  /** Public (a public cooperative's join key shows it); the join key itself never is a label. */
  private readonly consensusId: string

  constructor(
    private readonly ctx: ApiContext,
    private readonly maxWorkers = METRICS_WORKERS
  ) {
    this.consensusId = toHex(decodeJoinKey(ctx.node.joinKey).consensusId)
    collectDefaultMetrics({ register: this.registry })
    const r = [this.registry]
    const gauge = (name: string, help: string, labelNames: string[] = []): void => {
      this.g[name] = new Gauge({ name, help, labelNames, registers: r })
    }
    const counter = (name: string, help: string, labelNames: string[] = []): void => {
      this.c[name] = new Counter({ name, help, labelNames, registers: r })
    }
    gauge('hashcoop_info', 'Always 1; the labels describe this node.', ['version', 'network', 'consensus_id'])
    gauge('hashcoop_node_writer', '1 when this node is a writer of the cooperative log.')
    gauge('hashcoop_node_indexer', '1 when this node is an indexer of the cooperative log.')
    gauge('hashcoop_peers', 'Connected cooperative peers that passed the handshake.')
    gauge('hashcoop_cut_off', '1 while this node cannot get its shares into the cooperative log (protocol/COOP.md 2a).')
    gauge('hashcoop_held_blocks', 'Shares of blocks found while cut off, not yet handed to the cooperative.')
    gauge('hashcoop_storage_failed', '1 once the data dir\'s disk failed a write (the node is stopping).')
    gauge('hashcoop_disk_free_bytes', 'Free bytes on the data dir\'s filesystem, as last probed.')
    gauge('hashcoop_disk_low', '1 while the free space holds less than a day of the cooperative\'s shares.')
    gauge('hashcoop_stratum_connections', 'Open stratum connections.')
    gauge('hashcoop_stratum_authorized_connections', 'Stratum connections with an authorized worker.')
    gauge('hashcoop_stratum_hashrate_hps', "This node's miners' hashrate from accepted difficulty (10 min), hashes per second.")
    gauge('hashcoop_stratum_best_difficulty', 'Highest difficulty of an accepted solution.')
    counter('hashcoop_stratum_accepted_total', 'Accepted stratum submissions (pseudo-shares, shares and blocks).')
    counter('hashcoop_stratum_rejected_total', 'Rejected stratum submissions, by reason.', ['reason'])
    counter('hashcoop_stratum_shares_total', 'Accepted submissions that met the share target.')
    counter('hashcoop_stratum_blocks_total', 'Accepted submissions that met the network target.')
    counter('hashcoop_stratum_refusals_total', 'Connections refused or dropped by a stratum limit, by reason (see the operator guide).', ['reason'])
    gauge('hashcoop_stratum_unproven_sessions', 'Authorized stratum sessions whose address has no accepted solution on this node yet.')
    gauge('hashcoop_stratum_unproven_addresses', 'Distinct payout addresses of unproven sessions.')
    gauge('hashcoop_stratum_coinbase_cache_bytes', 'Bytes of per-address coinbases kept (bounded by the cache budget).')
    gauge('hashcoop_stratum_fanout_longest_slice_ms', 'Longest event-loop slice of the last job fan-out, ms.')
    gauge('hashcoop_sharechain_height', 'Height of the share-chain tip (-1 before the first share).')
    gauge('hashcoop_sharechain_shares', 'Valid shares in the view.')
    gauge('hashcoop_sharechain_invalid_entries', 'Log entries the view recorded as invalid.')
    gauge('hashcoop_sharechain_blocks', 'Shares in the view that are Bitcoin blocks.')
    gauge('hashcoop_sharechain_miners', 'Payout scripts with at least one share.')
    gauge('hashcoop_sharechain_share_difficulty', "Difficulty of the tip share's target.")
    gauge('hashcoop_sharechain_hashrate_hps', "The cooperative's hashrate from share-chain work (10 min), hashes per second.")
    gauge('hashcoop_bitcoind_connected', '1 while bitcoind answers.')
    gauge('hashcoop_bitcoind_template_height', 'Height of the block the current template builds.')
    gauge('hashcoop_bitcoind_coinbase_value_sats', "The current template's coinbase value, satoshis.")
    gauge('hashcoop_bitcoind_template_transactions', 'Transactions in the current template.')
    counter('hashcoop_bitcoind_new_blocks_total', 'New Bitcoin blocks seen by the template source.')
    counter('hashcoop_blocks_submitted_total', 'Blocks this node submitted to bitcoind, by result.', ['result'])
    counter('hashcoop_work_jobs_total', 'Stratum jobs built.')
    counter('hashcoop_work_shares_total', 'Shares this node appended to the log or refused, by result.', ['result'])
    const w = ['address', 'worker']
    gauge('hashcoop_workers', 'Workers in this node\'s accounting (kept across restarts), and how many of them are folded into "_other".', ['kind'])
    gauge('hashcoop_worker_hashrate_hps', 'A worker\'s hashrate on this node from accepted difficulty, by window (10m, 1h, 24h).', [...w, 'window'])
    gauge('hashcoop_worker_difficulty', 'A worker\'s current stratum difficulty (0 for "_other").', w)
    gauge('hashcoop_worker_best_difficulty', 'A worker\'s best share difficulty, all time and since the cooperative\'s last block.', [...w, 'since'])
    gauge('hashcoop_worker_last_share_timestamp_seconds', 'When a worker\'s last accepted submission arrived.', w)
    counter('hashcoop_worker_accepted_total', 'A worker\'s accepted submissions on this node.', w)
    counter('hashcoop_worker_rejected_total', 'A worker\'s rejected submissions on this node (stale ones included).', w)
    counter('hashcoop_worker_stale_total', 'A worker\'s stale submissions on this node.', w)
  }

  async render(): Promise<string> {
    await this.update()
    return this.registry.metrics()
  }

  get contentType(): string {
    return this.registry.contentType
  }

  private set(name: string, value: number, labels?: Record<string, string>): void {
    const g = this.g[name] as Gauge<string>
    if (labels === undefined) g.set(value)
    else g.set(labels, value)
  }

  private total(name: string, value: number, labels?: Record<string, string>): void {
    const c = this.c[name] as Counter<string>
    if (labels === undefined) {
      c.reset()
      if (value > 0) c.inc(value)
    } else if (value > 0) {
      c.remove(labels)
      c.inc(labels, value)
    }
  }

  private async update(): Promise<void> {
    const { node, reader } = this.ctx
    const p = node.params
    this.g.hashcoop_info?.reset()
    this.set('hashcoop_info', 1, { version: VERSION, network: p.network, consensus_id: this.consensusId })
    this.set('hashcoop_node_writer', node.base.writable ? 1 : 0)
    this.set('hashcoop_node_indexer', node.base.isIndexer ? 1 : 0)
    this.set('hashcoop_peers', node.swarm.peerCount)
    this.set('hashcoop_cut_off', node.reach?.state.cutOff === true ? 1 : 0)
    this.set('hashcoop_held_blocks', node.heldBlocks?.size ?? 0)
    const disk = node.storage?.status()
    this.set('hashcoop_storage_failed', disk?.failure != null ? 1 : 0)
    if (disk?.freeBytes != null) this.set('hashcoop_disk_free_bytes', disk.freeBytes)
    this.set('hashcoop_disk_low', disk?.low === true ? 1 : 0)

    const s = node.stratum.stats()
    this.set('hashcoop_stratum_connections', s.connections)
    this.set('hashcoop_stratum_authorized_connections', s.authorized)
    this.set('hashcoop_stratum_hashrate_hps', s.hashrate)
    this.set('hashcoop_stratum_best_difficulty', s.bestDifficulty)
    this.total('hashcoop_stratum_accepted_total', s.accepted)
    for (const [reason, n] of Object.entries(s.rejected)) this.total('hashcoop_stratum_rejected_total', n ?? 0, { reason })
    this.total('hashcoop_stratum_shares_total', s.shares)
    this.total('hashcoop_stratum_blocks_total', s.blocks)
    for (const [reason, n] of Object.entries(s.refusals)) this.total('hashcoop_stratum_refusals_total', n, { reason })
    this.set('hashcoop_stratum_unproven_sessions', s.unprovenSessions)
    this.set('hashcoop_stratum_unproven_addresses', s.unprovenAddresses)
    this.set('hashcoop_stratum_coinbase_cache_bytes', s.coinbaseCache.bytes)
    this.set('hashcoop_stratum_fanout_longest_slice_ms', s.lastFanout?.longestSliceMs ?? 0)

    const [tip, stats, miners] = await Promise.all([reader.tip(), reader.stats(), reader.miners()])
    const tipShare = tip === null ? null : await reader.share(tip.id)
    this.set('hashcoop_sharechain_height', tip?.height ?? -1)
    this.set('hashcoop_sharechain_shares', stats.shares)
    this.set('hashcoop_sharechain_invalid_entries', stats.invalid)
    this.set('hashcoop_sharechain_blocks', stats.blocks)
    this.set('hashcoop_sharechain_miners', miners.length)
    this.set('hashcoop_sharechain_share_difficulty', targetToDifficulty(tipShare === null ? bitsToTarget(p.initialShareBits) : BigInt('0x' + tipShare.target)))
    const recent = await recentWork(reader, await this.ctx.chainNow(), p.createdAt)
    this.set('hashcoop_sharechain_hashrate_hps', hashrateOf(recent.total, recent.span))

    const ts = node.templates.stats
    const t = node.templates.template
    this.set('hashcoop_bitcoind_connected', ts.connected ? 1 : 0)
    this.set('hashcoop_bitcoind_template_height', t?.height ?? 0)
    this.set('hashcoop_bitcoind_coinbase_value_sats', t === null ? 0 : Number(t.coinbaseValue))
    this.set('hashcoop_bitcoind_template_transactions', t?.transactions.length ?? 0)
    this.total('hashcoop_bitcoind_new_blocks_total', ts.newBlocks)

    const w = node.work.stats
    this.total('hashcoop_blocks_submitted_total', w.blocks.accepted, { result: 'accepted' })
    this.total('hashcoop_blocks_submitted_total', w.blocks.rejected, { result: 'rejected' })
    this.total('hashcoop_blocks_submitted_total', w.blocks.raceLost, { result: 'race-lost' })
    this.total('hashcoop_blocks_submitted_total', w.blocks.unsubmitted, { result: 'unsubmitted' })
    this.total('hashcoop_work_jobs_total', w.jobs)
    this.total('hashcoop_work_shares_total', w.shares.accepted, { result: 'accepted' })
    this.total('hashcoop_work_shares_total', w.shares.rejected, { result: 'rejected' })
    this.updateWorkers()
  }

  private updateWorkers(): void {
    const now = this.ctx.now()
    const book = this.ctx.node.workerStats.book
    const ranked = book.allWorkers().map((r) => ({ r, h: WorkerBook.hashrates(r, now) }))
    ranked.sort((a, b) => b.h['1h'] - a.h['1h'] || (b.r.lastShareAt ?? 0) - (a.r.lastShareAt ?? 0))
    for (const name of ['hashcoop_workers', 'hashcoop_worker_hashrate_hps', 'hashcoop_worker_difficulty', 'hashcoop_worker_best_difficulty', 'hashcoop_worker_last_share_timestamp_seconds']) this.g[name]?.reset()
    for (const name of ['hashcoop_worker_accepted_total', 'hashcoop_worker_rejected_total', 'hashcoop_worker_stale_total']) this.c[name]?.reset()
    const shown = ranked.slice(0, this.maxWorkers)
    const folded = ranked.slice(this.maxWorkers)
    this.set('hashcoop_workers', ranked.length, { kind: 'known' })
    this.set('hashcoop_workers', folded.length, { kind: 'folded' })
    for (const { r, h } of shown) this.workerSeries({ address: r.address, worker: r.worker }, [r], h)
    if (folded.length > 0) {
      const sum = { '10m': 0, '1h': 0, '24h': 0 }
      for (const { h } of folded) for (const k of ['10m', '1h', '24h'] as const) sum[k] += h[k]
      this.workerSeries(OTHER, folded.map((f) => f.r), sum)
    }
  }

  private workerSeries(labels: Record<string, string>, records: readonly WorkerRecord[], h: Record<'10m' | '1h' | '24h', number>): void {
    for (const window of ['10m', '1h', '24h'] as const) this.set('hashcoop_worker_hashrate_hps', h[window], { ...labels, window })
    const one = records.length === 1 ? records[0] : undefined
    this.set('hashcoop_worker_difficulty', one?.difficulty ?? 0, labels)
    const best = (pick: (r: WorkerRecord) => number): number => Math.max(0, ...records.map(pick))
    this.set('hashcoop_worker_best_difficulty', best((r) => r.bestAllTime?.difficulty ?? 0), { ...labels, since: 'all' })
    this.set('hashcoop_worker_best_difficulty', best((r) => r.bestSinceBlock?.difficulty ?? 0), { ...labels, since: 'block' })
    this.set('hashcoop_worker_last_share_timestamp_seconds', best((r) => r.lastShareAt ?? 0) / 1000, labels)
    const add = (name: string, value: number): void => {
      if (value > 0) (this.c[name] as Counter<string>).inc(labels, value)
    }
    add('hashcoop_worker_accepted_total', records.reduce((a, r) => a + r.accepted, 0))
    add('hashcoop_worker_rejected_total', records.reduce((a, r) => a + r.rejected, 0))
    add('hashcoop_worker_stale_total', records.reduce((a, r) => a + r.stale, 0))
  }
}
