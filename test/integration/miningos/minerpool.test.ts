/**
 * The MiningOS minerpool worker (integrations/miningos/) against a running hashcoop node: a site
 * with one payout address and two CPU workers sees its hashrate, workers, the next split and the
 * found blocks that paid it, in the shapes MiningOS's other minerpool workers report; the MiningOS
 * shell wires the same core to a scheduler, an RPC server and a Hyperbee-like store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfError, HashcoopMinerPool, MemoryHistory } from '../../../integrations/miningos/src/collector.js'
import type { SplitEntry, StatsEntry, WorkerEntry, BlockEntry } from '../../../integrations/miningos/src/transform.js'
import { createHashcoopWorker, timeKey, type BeeLike, type WrkBaseInstance } from '../../../integrations/miningos/src/wrk.js'
import { MINER, STRANGER, startApiNode, waitFor, type ApiNodeHarness } from '../../harness/api-node.js'

let h: ApiNodeHarness
const errors: string[] = []
const logger = { error: (msg: string) => errors.push(msg) }

beforeAll(async () => {
  h = await startApiNode()
  await h.mine(`${MINER}.rack1-a`)
  await h.mine(`${MINER}.rack1-b`)
  await waitFor(async () => {
    const r = await fetch(`${h.api.url}/api/miners/${MINER}`)
    if (r.status !== 200) return false
    const body = (await r.json()) as { miner: { workers: { accepted: number }[] }; payouts: { past: unknown[] } }
    return body.miner.workers.filter((w) => w.accepted >= 2).length === 2 && body.payouts.past.length >= 1
  }, 'both workers accepted and a block that paid the site', 90_000)
}, 150_000)

afterAll(async () => {
  await h?.stop()
}, 60_000)

describe('the hashcoop minerpool worker against a running node', () => {
  it('reports stats, workers, blocks and the next split in MiningOS shapes', async () => {
    const time = new Date()
    type Stats = { ts: number; stats: (StatsEntry & { poolType: string })[] }
    // A collection reads the blocks list and the miner's totals in several requests while the miners
    // keep finding blocks: take one during which no block landed (as MiningOS would at its next
    // tick), each try with a fresh worker so its history holds that try alone; then the 24 h and
    // all-time revenue and the blocks' earnings below describe one moment.
    let pool = new HashcoopMinerPool({ apiUrl: h.api.url, accounts: [MINER, STRANGER] }, { logger })
    let stats: Stats | undefined
    let blocks: { blocks: BlockEntry[] } = { blocks: [] }
    await waitFor(async () => {
      pool = new HashcoopMinerPool({ apiUrl: h.api.url, accounts: [MINER, STRANGER] }, { logger })
      await pool.fetchData('1m', time)
      stats = (await pool.getWrkExtData({ query: { key: 'stats' } })) as Stats
      await pool.fetchData('5m', time)
      await pool.fetchData('1D', time)
      blocks = (await pool.getWrkExtData({ query: { key: 'blocks' } })) as { blocks: BlockEntry[] }
      const mine = stats.stats[0]
      const earned = blocks.blocks.reduce((a, b) => a + b.earnings, 0)
      return mine !== undefined && Math.abs(mine.revenue_24h - mine.revenue_all_time) < 1e-9 && Math.abs(earned - mine.revenue_all_time) < 1e-9
    }, 'a collection with no block landing mid-way', 60_000)
    expect(errors).toEqual([])
    if (stats === undefined) throw new Error('no stats')
    expect(stats.ts).toBe(Math.floor(time.getTime() / 1000) * 1000)
    const [mine, stranger] = stats.stats
    expect(mine).toMatchObject({ poolType: 'hashcoop', username: MINER, balance: 0, unsettled: 0, worker_count: 2, active_workers_count: 2 })
    expect(mine?.hashrate).toBeGreaterThan(0)
    expect(mine?.hashrate_24h).toBeGreaterThan(0)
    expect(mine?.revenue_all_time).toBeGreaterThan(0)
    expect(mine?.revenue_24h).toBeCloseTo(mine?.revenue_all_time ?? -1, 8) // every block of this test is minutes old
    expect(mine?.best_share).toBeGreaterThan(0)
    expect(mine?.cooperative_hashrate).toBeGreaterThan(0)
    expect(mine?.yearlyBalances).toHaveLength(12)
    expect(mine?.yearlyBalances.reduce((a, m) => a + m.balance, 0)).toBeCloseTo(mine?.revenue_all_time ?? -1, 8)
    // An address of the site that has not mined here yet: zeros, not an error.
    expect(stranger).toMatchObject({ username: STRANGER, hashrate: 0, worker_count: 0, revenue_all_time: 0 })

    const workers = (await pool.getWrkExtData({ query: { key: 'workers' } })) as { workers: (WorkerEntry & { poolType: string })[] }
    expect(workers.workers.map((w) => [w.id, w.name, w.online, w.poolType])).toEqual([
      [`${MINER}.rack1-a`, 'rack1-a', 1, 'hashcoop'],
      [`${MINER}.rack1-b`, 'rack1-b', 1, 'hashcoop']
    ])
    for (const w of workers.workers) {
      expect(w.hashrate).toBeGreaterThan(0)
      expect(w.difficulty).toBeGreaterThan(0)
      expect(w.last_updated).toBeGreaterThan(0)
    }

    // Found blocks: what each paid the site, summing to what the node says it was paid.
    expect(blocks.blocks.length).toBeGreaterThanOrEqual(1)
    expect(blocks.blocks[0]?.blockId).toMatch(/^[0-9a-f]{64}$/)
    expect(blocks.blocks.reduce((a, b) => a + b.earnings, 0)).toBeCloseTo(mine?.revenue_all_time ?? -1, 8)
    for (const b of blocks.blocks) expect(b.earnings).toBeLessThanOrEqual(b.poolEarnings)

    // The next split: the site is the whole window, so all of the next block.
    const split = (await pool.getWrkExtData({ query: { key: 'next-split' } })) as SplitEntry
    expect(split.height).toBeGreaterThan(440)
    expect(split.sitePct).toBeCloseTo(100, 5)
    expect(split.siteAmount).toBeCloseTo(split.coinbaseValue, 8)

    // History written by the 5m and 1D polls is readable by range, as in MiningOS.
    const now = Date.now()
    const history = (await pool.getWrkExtData({ query: { key: 'stats-history', start: now - 60_000, end: now + 60_000 } })) as unknown[]
    expect(history).toHaveLength(1)
    const counts = (await pool.getWrkExtData({ query: { key: 'workers-count', start: now - 60_000, end: now + 60_000 } })) as { count: number; active: number }[]
    expect(counts).toEqual([expect.objectContaining({ count: 2, active: 2 })])
    await expect(pool.getWrkExtData({ query: { key: 'stats-history' } })).rejects.toThrow('ERR_START_INVALID')
    await expect(pool.getWrkExtData({ query: { key: 'nope' } })).rejects.toThrow('ERR_KEY_INVALID')
    await expect(pool.getWrkExtData({})).rejects.toThrow('ERR_QUERY_INVALID')
  })

  it('keeps the last good data when the node is unreachable, and says why', async () => {
    const pool = new HashcoopMinerPool({ apiUrl: h.api.url, accounts: [MINER] }, { logger })
    await pool.fetchData('1m', new Date())
    const good = pool.data.statsData
    // The node goes away: the next poll fails, the last good stats stay.
    ;(pool.api as unknown as { base: string }).base = 'http://127.0.0.1:1'
    await pool.fetchData('1m', new Date(Date.now() + 60_000))
    expect(pool.data.statsData).toBe(good)
    const seen: string[] = []
    const quiet = new HashcoopMinerPool({ apiUrl: 'http://127.0.0.1:1', accounts: [MINER], timeoutMs: 2_000 }, { logger: { error: (msg, err) => seen.push(`${msg}: ${String(err)}`) } })
    await quiet.fetchData('1m', new Date())
    expect(seen).toHaveLength(1)
    expect(seen[0]).toMatch(/ERR_DATA_FETCH 1m: HashcoopApiError: \/api\/(status|blocks|payouts\/next): node unreachable/)
    expect(quiet.data.statsData).toEqual({ ts: 0, stats: [] })
    expect(good.stats).toHaveLength(1)
    expect(quiet.data.splitData).toBeNull()
    expect(() => new HashcoopMinerPool({ apiUrl: 'ftp://x', accounts: [] })).toThrow(/http/)
    expect(() => new HashcoopMinerPool({ apiUrl: h.api.url, accounts: ['not an address!'] })).toThrow(ConfError)
  })
})

describe('the MiningOS shell', () => {
  /** MiningOS's base class and facilities, as far as the shell uses them. */
  function fakeBase(): { Base: new (conf: unknown, ctx: WrkBaseInstance['ctx']) => WrkBaseInstance; scheduled: Map<string, (t: Date) => void>; rpc: Map<string, (req: unknown) => Promise<unknown>> } {
    const scheduled = new Map<string, (t: Date) => void>()
    const rpc = new Map<string, (req: unknown) => Promise<unknown>>()
    const apiUrl = h.api.url
    class Base implements WrkBaseInstance {
      conf: WrkBaseInstance['conf'] = {}
      wtype = 'wrk-minerpool-rack-hashcoop'
      facs: unknown[][] = []
      constructor(
        _conf: unknown,
        readonly ctx: WrkBaseInstance['ctx']
      ) {}
      init(): void {}
      start(): void {
        this._start(() => {})
      }
      loadConf(name: string, key: string): void {
        if (name === 'hashcoop') this.conf[key] = { apiUrl, accounts: [MINER] }
      }
      setInitFacs(facs: unknown[][]): void {
        this.facs = facs
        const self = this as unknown as Record<string, unknown>
        self.scheduler_hashcoop = { add: (key: string, fn: (t: Date) => void) => scheduled.set(key, fn) }
        self.store_s1 = { getBee: async () => memoryBee() }
        self.net_r0 = {
          rpcServer: { respond: (m: string, fn: (req: unknown) => Promise<unknown>) => rpc.set(m, fn) },
          handleReply: (m: string, req: unknown) => (self[m] as (r: unknown) => Promise<unknown>).call(this, req)
        }
      }
      _start(cb: (err?: Error | null) => void): void {
        cb(null)
      }
    }
    return { Base, scheduled, rpc }
  }

  function memoryBee(): BeeLike {
    const subs = new Map<string, Map<string, Buffer>>()
    const make = (name: string): BeeLike => {
      const map = subs.get(name) ?? new Map<string, Buffer>()
      subs.set(name, map)
      return {
        put: async (key, value) => map.set(key.toString('hex'), value),
        createReadStream: ({ gte, lte }) =>
          (async function* () {
            for (const k of [...map.keys()].sort()) if (k >= gte.toString('hex') && k <= lte.toString('hex')) yield { value: map.get(k) as Buffer }
          })(),
        sub: (n) => make(`${name}/${n}`)
      }
    }
    return make('')
  }

  it('schedules the polls and answers getWrkExtData over its RPC with history in the store', async () => {
    const { Base, scheduled, rpc } = fakeBase()
    const Worker = createHashcoopWorker(Base)
    expect(() => new Worker({}, {})).toThrow('ERR_PROC_RACK_UNDEFINED')
    new Worker({}, { rack: 'rack-1' })
    await waitFor(() => scheduled.size === 3 && rpc.has('getWrkExtData'), 'the schedule and the RPC', 10_000)
    expect([...scheduled.keys()]).toEqual(['1m', '5m', '1D'])
    const time = new Date()
    for (const key of ['1m', '5m', '1D']) scheduled.get(key)?.(time)
    const ask = rpc.get('getWrkExtData') as (req: unknown) => Promise<unknown>
    await waitFor(async () => ((await ask({ query: { key: 'workers-count', start: time.getTime() - 1000, end: time.getTime() + 1000 } })) as unknown[]).length === 1, 'the 5m poll in the store', 30_000)
    await waitFor(async () => ((await ask({ query: { key: 'stats' } })) as { stats: unknown[] }).stats.length === 1, 'the 1m poll', 30_000)
    const stats = (await ask({ query: { key: 'stats' } })) as { stats: StatsEntry[] }
    expect(stats.stats[0]?.username).toBe(MINER)
    expect(timeKey(2).compare(timeKey(10))).toBeLessThan(0) // keys sort by time
    const bounded = new MemoryHistory(2)
    for (const ts of [1, 2, 3]) await bounded.put('stats', ts, { ts })
    expect(await bounded.range('stats', 0, 10)).toEqual([{ ts: 2 }, { ts: 3 }])
  })
})
