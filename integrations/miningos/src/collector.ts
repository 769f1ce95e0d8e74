/**
 * The minerpool worker's core, independent of MiningOS's worker framework: polls a hashcoop node
 * on MiningOS's schedule (stats every minute, workers every 5 minutes, blocks daily, the next split
 * with the stats) and answers getWrkExtData queries the way MiningOS's other minerpool workers do.
 * The framework shell (wrk.ts) owns the scheduler, the RPC server and the store; tests drive this
 * class directly against a running node.
 *
 * A failed poll is logged and leaves the last good data in place: a node restarting must not blank
 * a site's dashboard.
 */
import { HashcoopMinerPoolApi, type ApiBlock, type HashcoopApiOptions } from './api.js'
import { blockEntries, POOL_TYPE, splitEntry, statsEntry, workerEntries, type BlockEntry, type SplitEntry, type StatsEntry, type WorkerEntry } from './transform.js'

export interface HashcoopPoolConf {
  /** The node's API, e.g. http://127.0.0.1:8080. */
  apiUrl: string
  /** The site's payout addresses (MiningOS "accounts"). */
  accounts: string[]
  timeoutMs?: number
}

/** Cron times for MiningOS's scheduler facility, by the key fetchData() takes. */
export const SCHEDULE = {
  stats: { key: '1m', time: '0 */1 * * * *' },
  workers: { key: '5m', time: '0 */5 * * * *' },
  daily: { key: '1D', time: '0 0 0 * * *' }
} as const

export type HistoryKind = 'stats' | 'workers' | 'workers-count' | 'blocks'

/** Where history goes: MiningOS's Hyperbee store in the shell, memory in tests. */
export interface HistoryStore {
  put(kind: HistoryKind, ts: number, value: unknown): Promise<void>
  range(kind: HistoryKind, start: number, end: number): Promise<unknown[]>
}

/** A bounded in-memory HistoryStore (the newest `limit` entries of each kind). */
export class MemoryHistory implements HistoryStore {
  private readonly kinds = new Map<HistoryKind, { ts: number; value: unknown }[]>()

  constructor(private readonly limit = 2_016) {}

  async put(kind: HistoryKind, ts: number, value: unknown): Promise<void> {
    const list = this.kinds.get(kind) ?? []
    list.push({ ts, value })
    list.sort((a, b) => a.ts - b.ts)
    if (list.length > this.limit) list.splice(0, list.length - this.limit)
    this.kinds.set(kind, list)
  }

  async range(kind: HistoryKind, start: number, end: number): Promise<unknown[]> {
    return (this.kinds.get(kind) ?? []).filter((e) => e.ts >= start && e.ts <= end).map((e) => e.value)
  }
}

export interface PoolLogger {
  error(msg: string, err: unknown): void
}

export interface ExtQuery {
  key?: string
  start?: number
  end?: number
  offset?: number
  limit?: number
  name?: string
}

export class ConfError extends Error {
  override name = 'ConfError'
}

function checkConf(conf: HashcoopPoolConf): void {
  if (typeof conf.apiUrl !== 'string' || conf.apiUrl === '') throw new ConfError('hashcoop.apiUrl is required (the node API, e.g. http://127.0.0.1:8080)')
  if (!Array.isArray(conf.accounts) || conf.accounts.some((a) => typeof a !== 'string' || !/^[A-Za-z0-9]{14,100}$/.test(a))) throw new ConfError('hashcoop.accounts must be a list of Bitcoin payout addresses')
}

export class HashcoopMinerPool {
  readonly api: HashcoopMinerPoolApi
  readonly data: {
    statsData: { ts: number; stats: StatsEntry[] }
    workersData: { ts: number; workers: WorkerEntry[] }
    blocksData: { ts: number; blocks: BlockEntry[] }
    splitData: SplitEntry | null
  } = { statsData: { ts: 0, stats: [] }, workersData: { ts: 0, workers: [] }, blocksData: { ts: 0, blocks: [] }, splitData: null }

  private readonly now: () => number
  private readonly log: PoolLogger

  constructor(
    readonly conf: HashcoopPoolConf,
    opts: { history?: HistoryStore; now?: () => number; logger?: PoolLogger; fetch?: HashcoopApiOptions['fetch'] } = {}
  ) {
    checkConf(conf)
    this.api = new HashcoopMinerPoolApi({ apiUrl: conf.apiUrl, ...(conf.timeoutMs === undefined ? {} : { timeoutMs: conf.timeoutMs }), ...(opts.fetch === undefined ? {} : { fetch: opts.fetch }) })
    this.history = opts.history ?? new MemoryHistory()
    this.now = opts.now ?? Date.now
    this.log = opts.logger ?? { error: (msg, err) => console.error(new Date().toISOString(), msg, err) }
  }

  readonly history: HistoryStore

  /** The scheduler's callback; never throws. */
  async fetchData(key: string, time: Date): Promise<void> {
    try {
      switch (key) {
        case SCHEDULE.stats.key:
          await this.fetchStats(time)
          break
        case SCHEDULE.workers.key:
          await this.fetchWorkers(time)
          await this.saveStats(time)
          break
        case SCHEDULE.daily.key:
          await this.fetchBlocks(time)
          await this.saveWorkers(time)
          break
      }
    } catch (err) {
      this.log.error(`ERR_DATA_FETCH ${key}`, err)
    }
  }

  async fetchStats(time: Date): Promise<void> {
    const [status, blocks, split] = await Promise.all([this.api.getStatus(), this.api.getBlocks(), this.api.getNextSplit()])
    const now = this.now()
    const stats: StatsEntry[] = []
    for (const account of this.conf.accounts) stats.push(statsEntry(account, await this.api.getMiner(account), status, blocks, now))
    this.data.statsData = { ts: secondTs(time), stats }
    if (split !== null) this.data.splitData = splitEntry(split, this.conf.accounts, now)
  }

  async fetchWorkers(time: Date): Promise<void> {
    let workers: WorkerEntry[] = []
    for (const account of this.conf.accounts) {
      try {
        workers = workers.concat(workerEntries(account, await this.api.getMiner(account)))
      } catch (err) {
        this.log.error(`ERR_WORKERS_FETCH ${account}`, err)
      }
    }
    const ts = secondTs(time)
    this.data.workersData = { ts, workers }
    await this.history.put('workers-count', ts, { ts, count: workers.length, active: workers.filter((w) => w.online === 1).length })
  }

  async fetchBlocks(time: Date): Promise<void> {
    const blocks: ApiBlock[] = await this.api.getBlocks()
    const entries = blockEntries(blocks, this.conf.accounts)
    this.data.blocksData = { ts: secondTs(time), blocks: entries }
    for (const b of entries) await this.history.put('blocks', b.ts, b)
  }

  async saveStats(time: Date): Promise<void> {
    const ts = secondTs(time)
    await this.history.put('stats', ts, { ts, stats: this.data.statsData.stats })
  }

  async saveWorkers(time: Date): Promise<void> {
    const ts = secondTs(time)
    await this.history.put('workers', ts, { ts, workers: this.data.workersData.workers })
  }

  /** MiningOS's getWrkExtData RPC: the key picks what, start/end (ms) a history range. */
  async getWrkExtData(req: { query?: ExtQuery }): Promise<unknown> {
    const query = req.query
    if (query === undefined || query === null) throw new Error('ERR_QUERY_INVALID')
    const { key } = query
    if (typeof key !== 'string' || key === '') throw new Error('ERR_KEY_INVALID')
    switch (key) {
      case 'stats':
        return { ...this.data.statsData, stats: withPoolType(this.data.statsData.stats) }
      case 'workers':
        return this.workers(query)
      case 'blocks':
        return { ts: this.data.blocksData.ts, blocks: this.data.blocksData.blocks }
      case 'next-split':
        return this.data.splitData
      case 'stats-history':
        return (await this.range('stats', query)).map((d) => ({ ...(d as { ts: number; stats: StatsEntry[] }), stats: withPoolType((d as { stats: StatsEntry[] }).stats) }))
      case 'workers-count':
        return this.range('workers-count', query)
      default:
        throw new Error('ERR_KEY_INVALID')
    }
  }

  private async workers(query: ExtQuery): Promise<unknown> {
    const offset = Math.max(0, query.offset ?? 0)
    const limit = Math.min(Math.max(1, query.limit ?? 100), 100)
    if (query.start === undefined || query.end === undefined) {
      return { ts: this.data.workersData.ts, workers: withPoolType(this.data.workersData.workers.slice(offset, offset + limit)) }
    }
    const saved = (await this.range('workers', query)) as { ts: number; workers: WorkerEntry[] }[]
    return saved.map((s) => ({ ts: s.ts, workers: withPoolType(query.name === undefined ? s.workers.slice(offset, offset + limit) : s.workers.filter((w) => w.name === query.name)) }))
  }

  private range(kind: HistoryKind, query: ExtQuery): Promise<unknown[]> {
    if (!query.start) throw new Error('ERR_START_INVALID')
    if (!query.end) throw new Error('ERR_END_INVALID')
    return this.history.range(kind, query.start, query.end)
  }
}

function secondTs(time: Date): number {
  return Math.floor(time.getTime() / 1000) * 1000
}

function withPoolType<T extends object>(list: readonly T[]): (T & { poolType: string })[] {
  return list.map((d) => ({ poolType: POOL_TYPE, ...d }))
}
