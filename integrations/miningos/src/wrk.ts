/**
 * The MiningOS shell: turns MiningOS's worker base class (tether-wrk-base's TetherWrkBase, which
 * the site installs) into a hashcoop minerpool worker, the way its Ocean and Luxor workers extend
 * it: config from config/hashcoop.json, a scheduler facility for the polls, a Hyperbee store for
 * history, and the getWrkExtData RPC. The base class is passed in, so this file needs none of
 * MiningOS's packages to build or test; workers/hashcoop.rack.minerpool.wrk.js does the require.
 */
import { HashcoopMinerPool, SCHEDULE, type HashcoopPoolConf, type HistoryKind, type HistoryStore } from './collector.js'

/** The parts of a Hyperbee (sub-)database the shell uses. */
export interface BeeLike {
  put(key: Buffer, value: Buffer): Promise<unknown>
  createReadStream(range: { gte: Buffer; lte: Buffer }): AsyncIterable<{ value: Buffer }>
  sub(name: string): BeeLike
  ready?(): Promise<void>
}

/** What the shell expects of MiningOS's worker base class and the facilities it sets up. */
export interface WrkBaseInstance {
  conf: { hashcoop?: HashcoopPoolConf } & Record<string, unknown>
  ctx: { rack?: string; storePrimaryKey?: unknown } & Record<string, unknown>
  wtype: string
  init(): void
  start(): void
  loadConf(name: string, key: string): void
  setInitFacs(facs: unknown[][]): void
  _start(cb: (err?: Error | null) => void): void
}

export type WrkBaseClass = new (conf: unknown, ctx: WrkBaseInstance['ctx']) => WrkBaseInstance

interface Facilities {
  scheduler_hashcoop: { add(key: string, fn: (fireTime: Date) => void, time: string): void }
  store_s1: { getBee(opts: { name: string }, enc: { keyEncoding: string }): Promise<BeeLike> }
  net_r0: { rpcServer: { respond(method: string, fn: (req: unknown) => Promise<unknown>): void }; handleReply(method: string, req: unknown): Promise<unknown> }
}

/** Keys sorted by time: 8 bytes big-endian milliseconds. */
export function timeKey(ts: number): Buffer {
  const b = Buffer.alloc(8)
  b.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(ts))))
  return b
}

/** History in the worker's Hyperbee, one sub-database per kind. */
export class BeeHistory implements HistoryStore {
  constructor(private readonly db: BeeLike) {}

  async put(kind: HistoryKind, ts: number, value: unknown): Promise<void> {
    await this.db.sub(kind).put(timeKey(ts), Buffer.from(JSON.stringify(value)))
  }

  async range(kind: HistoryKind, start: number, end: number): Promise<unknown[]> {
    const out: unknown[] = []
    for await (const entry of this.db.sub(kind).createReadStream({ gte: timeKey(start), lte: timeKey(end) })) out.push(JSON.parse(entry.value.toString()) as unknown)
    return out
  }
}

export function createHashcoopWorker(Base: WrkBaseClass): WrkBaseClass {
  class WrkMinerPoolRackHashcoop extends Base {
    pool: HashcoopMinerPool | null = null
    prefix: string

    constructor(conf: unknown, ctx: WrkBaseInstance['ctx']) {
      super(conf, ctx)
      if (!ctx.rack) throw new Error('ERR_PROC_RACK_UNDEFINED')
      this.prefix = `${this.wtype}-${ctx.rack}`
      this.init()
      this.start()
    }

    override init(): void {
      super.init()
      this.loadConf('hashcoop', 'hashcoop')
      this.setInitFacs([
        ['fac', 'bfx-facs-scheduler', '0', 'hashcoop', {}, -10],
        ['fac', 'hp-svc-facs-store', 's1', 's1', { storePrimaryKey: this.ctx.storePrimaryKey, storeDir: `store/${String(this.ctx.rack)}-db` }, 0]
      ])
    }

    override _start(cb: (err?: Error | null) => void): void {
      super._start((err) => {
        if (err) return cb(err)
        this.startPolling().then(() => cb(null), (e: unknown) => cb(e instanceof Error ? e : new Error(String(e))))
      })
    }

    async getWrkExtData(req: { query?: Record<string, unknown> }): Promise<unknown> {
      if (this.pool === null) throw new Error('ERR_NOT_STARTED')
      return this.pool.getWrkExtData(req)
    }

    private async startPolling(): Promise<void> {
      const f = this as unknown as Facilities
      const conf = this.conf.hashcoop
      if (conf === undefined) throw new Error('ERR_CONF_HASHCOOP_MISSING: config/hashcoop.json')
      f.net_r0.rpcServer.respond('getWrkExtData', (req) => f.net_r0.handleReply('getWrkExtData', req))
      f.net_r0.rpcServer.respond('listThings', (req) => f.net_r0.handleReply('listThings', req))
      const db = await f.store_s1.getBee({ name: 'hashcoop' }, { keyEncoding: 'binary' })
      await db.ready?.()
      this.pool = new HashcoopMinerPool(conf, { history: new BeeHistory(db) })
      const pool = this.pool
      for (const { key, time } of Object.values(SCHEDULE)) f.scheduler_hashcoop.add(key, (fireTime) => void pool.fetchData(key, fireTime), time)
    }

    async listThings(): Promise<unknown[]> {
      return []
    }
  }
  return WrkMinerPoolRackHashcoop
}
