/**
 * What every route reads: the node, a cached reader over its view, and the little the API keeps
 * itself (when the current template arrived, this node's stratum hashrate over time). What
 * bitcoind said of found blocks is the node's (node.foundBlocks), kept across restarts.
 */
import type { BlockTemplate } from '../bitcoin/template.js'
import { ChainReader } from './chain-reader.js'
import { Sampler } from './estimates.js'
import type { ApiNode } from './source.js'

export class ApiContext {
  readonly reader: ChainReader
  readonly localHashrate = new Sampler()
  readonly startedAt: number
  private seenTemplate: BlockTemplate | null = null
  private templateAt: number | null = null

  constructor(
    readonly node: ApiNode,
    readonly now: () => number = Date.now
  ) {
    this.reader = new ChainReader(node.view, node.params.network)
    this.startedAt = now()
  }

  get nowSec(): number {
    return Math.floor(this.now() / 1000)
  }

  /**
   * "Now" for windows over share times: the wall clock, or the tip's time when that is ahead
   * (share chain times follow the median-time-past rules, which may run ahead of this clock).
   */
  async chainNow(): Promise<number> {
    const tip = await this.reader.tip()
    const share = tip === null ? null : await this.reader.share(tip.id)
    return Math.max(this.nowSec, share?.chainTime ?? 0)
  }

  /** The current template and when this API first saw it (ms). */
  template(): { template: BlockTemplate; receivedAt: number } | null {
    const t = this.node.templates.template
    if (t !== this.seenTemplate) {
      this.seenTemplate = t
      this.templateAt = this.now()
    }
    return t === null ? null : { template: t, receivedAt: this.templateAt ?? this.now() }
  }

  /** Called on a timer: samples what only exists as "now" (stratum hashrate, template arrival). */
  sample(): void {
    this.template()
    this.localHashrate.add(this.nowSec, this.node.stratum.stats().hashrate)
  }

  close(): void {}
}
