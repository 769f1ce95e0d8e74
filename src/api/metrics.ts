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

export class Metrics {
  readonly registry = new Registry()
  private readonly g: Record<string, Gauge<string>> = {}
  private readonly c: Record<string, Counter<string>> = {}
  /** Public (a public cooperative's join key shows it); the join key itself never is a label. */
  private readonly consensusId: string

  constructor(private readonly ctx: ApiContext) {
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
    gauge('hashcoop_stratum_connections', 'Open stratum connections.')
    gauge('hashcoop_stratum_authorized_connections', 'Stratum connections with an authorized worker.')
    gauge('hashcoop_stratum_hashrate_hps', "This node's miners' hashrate from accepted difficulty (10 min), hashes per second.")
    gauge('hashcoop_stratum_best_difficulty', 'Highest difficulty of an accepted solution.')
    counter('hashcoop_stratum_accepted_total', 'Accepted stratum submissions (pseudo-shares, shares and blocks).')
    counter('hashcoop_stratum_rejected_total', 'Rejected stratum submissions, by reason.', ['reason'])
    counter('hashcoop_stratum_shares_total', 'Accepted submissions that met the share target.')
    counter('hashcoop_stratum_blocks_total', 'Accepted submissions that met the network target.')
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

    const s = node.stratum.stats()
    this.set('hashcoop_stratum_connections', s.connections)
    this.set('hashcoop_stratum_authorized_connections', s.authorized)
    this.set('hashcoop_stratum_hashrate_hps', s.hashrate)
    this.set('hashcoop_stratum_best_difficulty', s.bestDifficulty)
    this.total('hashcoop_stratum_accepted_total', s.accepted)
    for (const [reason, n] of Object.entries(s.rejected)) this.total('hashcoop_stratum_rejected_total', n ?? 0, { reason })
    this.total('hashcoop_stratum_shares_total', s.shares)
    this.total('hashcoop_stratum_blocks_total', s.blocks)

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
    this.total('hashcoop_work_jobs_total', w.jobs)
    this.total('hashcoop_work_shares_total', w.shares.accepted, { result: 'accepted' })
    this.total('hashcoop_work_shares_total', w.shares.rejected, { result: 'rejected' })
  }
}
