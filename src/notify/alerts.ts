/**
 * Watches the node and its per-worker accounting and turns what happens into alert events for
 * the Notifier:
 *
 *   block-found        the share-chain holds one more Bitcoin block (any node of the cooperative)
 *   block-accepted     bitcoind accepted a block this node submitted (block-rejected: it refused)
 *   block-orphaned     a found block left the best Bitcoin chain (told by the found-blocks tracker
 *                      through blockOrphaned(); this monitor does not poll bitcoind itself)
 *   worker-offline     a worker that submitted since this node started sent nothing accepted for
 *                      offlineAfterMs; worker-back when it submits again
 *   hashrate-drop      a worker's hashrate over dropWindowMs fell more than dropPercent below its
 *                      baseline (dropBaselineMs); said once, again only after it recovered
 *   bitcoind-lost / bitcoind-regained
 *   peers-zero / peers-back   the last cooperative peer left / one came back
 *
 * Time-based checks run in tick(now), on a timer (checkIntervalMs) or called by tests with their
 * own clock.
 */
import type { SourceStatus } from '../bitcoin/template-source.js'
import type { CoopPeer, CoopSwarmEvents } from '../coop/swarm.js'
import type { SubmitOutcome } from '../stratum/types.js'
import { WorkerBook, workerKey, type WorkerRecord } from '../stats/worker-book.js'
import { alertEvent, type AlertEvent, type AlertName } from './events.js'

interface On<E extends Record<string, unknown[]>> {
  on<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): unknown
  off<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): unknown
}

export interface AlertSources {
  node: On<{ block: [{ hash: string; height: number; accepted: boolean; reason: string | null; status: string | null; address: string }] }>
  templates: On<{ status: [SourceStatus] }>
  swarm: On<Pick<CoopSwarmEvents, 'peer-joined' | 'peer-left'>>
  workerStats: On<{ outcome: [record: WorkerRecord, outcome: SubmitOutcome]; 'block-reset': [blocks: number] }> & { readonly book: WorkerBook }
}

export interface AlertThresholds {
  /** Default 10 min. */
  offlineAfterMs: number
  /** Default 50 %. */
  dropPercent: number
  /** The recent window judged against the baseline. Default 10 min. */
  dropWindowMs: number
  /** Default 1 h; a worker younger than this is not judged. */
  dropBaselineMs: number
}

export const DEFAULT_THRESHOLDS: AlertThresholds = { offlineAfterMs: 10 * 60_000, dropPercent: 50, dropWindowMs: 10 * 60_000, dropBaselineMs: 60 * 60_000 }

export interface AlertMonitorOptions {
  sources: AlertSources
  emit: (event: AlertEvent) => void
  /** Names this node in every event. */
  nodeName: string
  thresholds?: Partial<AlertThresholds>
  /** Default 15 s; 0: no timer (tests call tick). */
  checkIntervalMs?: number
  now?: () => number
}

interface WorkerWatch {
  offline: boolean
  dropped: boolean
}

export class AlertMonitor {
  readonly thresholds: AlertThresholds
  private readonly watched = new Map<string, WorkerWatch>()
  private readonly now: () => number
  private timer: NodeJS.Timeout | null = null
  private readonly detach: (() => void)[] = []

  constructor(private readonly opts: AlertMonitorOptions) {
    this.thresholds = { ...DEFAULT_THRESHOLDS, ...opts.thresholds }
    this.now = opts.now ?? Date.now
    this.listen()
    const every = opts.checkIntervalMs ?? 15_000
    if (every > 0) {
      this.timer = setInterval(() => this.tick(this.now()), every)
      this.timer.unref()
    }
  }

  /** Called by the found-blocks tracker when a block this cooperative found left the best chain. */
  blockOrphaned(hash: string, height: number): void {
    this.say('block-orphaned', 'warning', `Block ${height} orphaned`, `block ${hash} at height ${height} is no longer in the best chain`, { hash, height })
  }

  /** The time-based checks: workers gone quiet, hashrate drops. */
  tick(now: number): void {
    const t = this.thresholds
    for (const [key, watch] of this.watched) {
      const [address, worker] = key.split('\u0000') as [string, string]
      const record = this.opts.sources.workerStats.book.worker(address, worker)
      if (record === undefined) {
        this.watched.delete(key) // evicted from the accounting
        continue
      }
      const quietMs = now - (record.lastShareAt ?? record.firstSeenAt)
      if (!watch.offline && quietMs >= t.offlineAfterMs) {
        watch.offline = true
        this.say('worker-offline', 'warning', `Worker ${label(record)} offline`, `no accepted share for ${minutes(quietMs)} min`, { address, worker, lastShareAt: record.lastShareAt === null ? null : new Date(record.lastShareAt).toISOString() })
        continue
      }
      if (watch.offline) continue
      this.checkDrop(record, watch, now)
    }
  }

  /** The data dir's free space fell under a day of shares (low), or rose back above it. */
  diskChanged(d: { freeBytes: number | null; lowSpaceBytes: number; low: boolean }): void {
    const free = Math.round((d.freeBytes ?? 0) / 1e6)
    if (d.low) this.say('disk-low', 'critical', 'Disk nearly full', `${free} MB free on the data dir's disk, less than a day of shares (${Math.round(d.lowSpaceBytes / 1e6)} MB): the node stops when it is full`, { freeBytes: d.freeBytes, lowSpaceBytes: d.lowSpaceBytes })
    else this.say('disk-ok', 'info', 'Disk space back', `${free} MB free on the data dir's disk`, { freeBytes: d.freeBytes })
  }

  close(): void {
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
    for (const off of this.detach.splice(0)) off()
  }

  private checkDrop(record: WorkerRecord, watch: WorkerWatch, now: number): void {
    const t = this.thresholds
    if (now - record.firstSeenAt < t.dropBaselineMs) return
    const recent = WorkerBook.hashrate(record, t.dropWindowMs, now)
    const baseline = WorkerBook.hashrate(record, t.dropBaselineMs, now)
    if (!(baseline > 0)) return
    const fell = 100 * (1 - recent / baseline)
    if (!watch.dropped && fell > t.dropPercent) {
      watch.dropped = true
      this.say('hashrate-drop', 'warning', `Worker ${label(record)} hashrate down ${Math.round(fell)} %`, `${Math.round(fell)} % below its ${minutes(t.dropBaselineMs)} min average over the last ${minutes(t.dropWindowMs)} min`, { address: record.address, worker: record.worker, recentHps: recent, baselineHps: baseline, dropPercent: Math.round(fell) })
    } else if (watch.dropped && fell <= t.dropPercent / 2) {
      watch.dropped = false // recovered: the next drop is news again
    }
  }

  private listen(): void {
    const { node, templates, swarm, workerStats } = this.opts.sources
    const onOutcome = (record: WorkerRecord, o: SubmitOutcome): void => {
      if (!o.accepted) return
      const key = workerKey(record.address, record.worker)
      const watch = this.watched.get(key)
      if (watch === undefined) {
        this.watched.set(key, { offline: false, dropped: false })
        return
      }
      if (watch.offline) {
        watch.offline = false
        watch.dropped = false
        this.say('worker-back', 'info', `Worker ${label(record)} back`, 'submitting again', { address: record.address, worker: record.worker })
      }
    }
    const onBlockCount = (blocks: number): void => this.say('block-found', 'info', 'Block found', `the cooperative found a block (${blocks} so far)`, { blocks })
    const onBlock = (e: { hash: string; height: number; accepted: boolean; reason: string | null; status: string | null; address: string }): void => {
      if (e.accepted) this.say('block-accepted', 'info', `Block ${e.height} accepted`, `bitcoind accepted block ${e.hash}`, { hash: e.hash, height: e.height, finder: e.address })
      // Only a block bitcoind found invalid is critical; a lost race happens to every miner, and an
      // unreachable bitcoind keeps the block for resubmission (src/blocks/messages.ts).
      else if (e.status === 'race-lost') this.say('block-rejected', 'info', `Block ${e.height} lost a race`, `bitcoind answered '${e.reason ?? ''}' for block ${e.hash}: valid, but a competing block is on the best chain`, { hash: e.hash, height: e.height, reason: e.reason, status: e.status, finder: e.address })
      else if (e.status === 'unsubmitted') this.say('block-rejected', 'warning', `Block ${e.height} not yet submitted`, `bitcoind unreachable (${e.reason ?? ''}); block ${e.hash} is kept and will be resubmitted`, { hash: e.hash, height: e.height, reason: e.reason, status: e.status, finder: e.address })
      else this.say('block-rejected', 'critical', `Block ${e.height} rejected`, `bitcoind refused block ${e.hash}: ${e.reason ?? 'no reason'}`, { hash: e.hash, height: e.height, reason: e.reason, status: e.status, finder: e.address })
    }
    const onStatus = (s: SourceStatus): void => {
      if (s.state === 'lost') this.say('bitcoind-lost', 'critical', 'bitcoind lost', s.error?.message ?? 'no answer', { error: s.error?.message ?? null })
      else this.say('bitcoind-regained', 'info', 'bitcoind regained', 'templates flow again', {})
    }
    let hadNone = false
    const onLeft = (_p: CoopPeer, count: number): void => {
      if (count > 0 || hadNone) return
      hadNone = true
      this.say('peers-zero', 'warning', 'No cooperative peers', 'the last peer left: shares reach nobody until one is back', { peers: 0 })
    }
    const onJoined = (_p: CoopPeer, count: number): void => {
      if (!hadNone) return
      hadNone = false
      this.say('peers-back', 'info', 'Cooperative peer back', `${count} peer${count === 1 ? '' : 's'} connected`, { peers: count })
    }
    workerStats.on('outcome', onOutcome)
    workerStats.on('block-reset', onBlockCount)
    node.on('block', onBlock)
    templates.on('status', onStatus)
    swarm.on('peer-left', onLeft)
    swarm.on('peer-joined', onJoined)
    this.detach.push(
      () => workerStats.off('outcome', onOutcome),
      () => workerStats.off('block-reset', onBlockCount),
      () => node.off('block', onBlock),
      () => templates.off('status', onStatus),
      () => swarm.off('peer-left', onLeft),
      () => swarm.off('peer-joined', onJoined)
    )
  }

  private say(name: AlertName, severity: AlertEvent['severity'], title: string, message: string, data: AlertEvent['data']): void {
    this.opts.emit(alertEvent(name, severity, title, message, this.now(), this.opts.nodeName, data))
  }
}

function label(r: WorkerRecord): string {
  return r.worker === '' ? r.address : `${r.address}.${r.worker}`
}

function minutes(ms: number): number {
  return Math.round((ms / 60_000) * 10) / 10
}
