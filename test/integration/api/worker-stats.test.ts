/**
 * Per-worker accounting through a running node: two CPU workers of one address over real stratum
 * TCP, read back from /api/miners/:address, its chart, /metrics and the live event stream, and
 * kept across a node restart on the same data dir.
 */
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MINER, startApiNode, STRANGER, waitFor, type ApiNodeHarness } from '../../harness/api-node.js'

let h: ApiNodeHarness

async function get<T>(path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(h.api.url + path)
  return { status: res.status, body: (await res.json()) as T }
}

interface Best {
  difficulty: number
  at: string
  worker: string
}
interface Worker {
  name: string
  online: boolean
  coinbaseClass: string | null
  accepted: number
  rejected: number
  stale: number
  difficulty: number
  hashrates: Record<'10m' | '1h' | '24h', number>
  hashrateTexts: Record<'10m' | '1h' | '24h', string>
  best: { allTime: Best | null; sinceBlock: Best | null }
}
interface MinerReply {
  miner: { address: string; workers: Worker[]; best: { allTime: Best | null; sinceBlock: Best | null }; localHashrates: Record<string, number> }
  payouts: { next: { sats: string; pct: number } | null; past: { blockHeight: number; sats: string }[]; pastTotal: { blocks: number; sats: string } }
}

const miner = async (): Promise<MinerReply> => (await get<MinerReply>(`/api/miners/${MINER}`)).body

beforeAll(async () => {
  h = await startApiNode({ metricsWorkers: 1 })
  await h.mine(`${MINER}.rig1`)
  await h.mine(`${MINER}.rig2`)
  await waitFor(async () => {
    const m = (await get<MinerReply>(`/api/miners/${MINER}`)).body
    return m.miner !== undefined && m.miner.workers.filter((w) => w.accepted >= 3).length === 2 && m.payouts.past.length >= 1
  }, 'accepted work from both workers and a found block that paid the miner', 90_000)
}, 150_000)

afterAll(async () => {
  await h?.stop()
}, 60_000)

describe('per-worker accounting in the API', () => {
  it('shows each worker with counts, current difficulty, 10 min / 1 h / 24 h hashrate and best shares', async () => {
    const { miner: m, payouts } = await miner()
    expect(m.workers.map((w) => w.name)).toEqual(['rig1', 'rig2'])
    for (const w of m.workers) {
      expect(w.online).toBe(true)
      expect(w.accepted).toBeGreaterThanOrEqual(3)
      expect(w.difficulty).toBeGreaterThan(0)
      expect(w.hashrates['10m']).toBeGreaterThan(0)
      expect(w.hashrates['24h']).toBeGreaterThan(0)
      expect(w.hashrateTexts['1h']).toMatch(/^[\d.]+ [kMG]?H\/s$/)
      expect(w.best.allTime?.difficulty).toBeGreaterThanOrEqual(w.difficulty)
      expect(w.best.allTime?.worker).toBe(w.name)
      expect(w.coinbaseClass).toBe('full') // hashcoop's own driver: no coinbase limit (SPEC.md §7.6)
    }
    // The address's best is its best worker's.
    expect(m.best.allTime?.difficulty).toBe(Math.max(...m.workers.map((w) => w.best.allTime?.difficulty ?? 0)))
    expect(m.localHashrates['10m']).toBeGreaterThan(0)
    // Payouts come from the share-chain's found blocks.
    expect(payouts.past.length).toBeGreaterThanOrEqual(1)
    expect(payouts.pastTotal.sats).toBe(String(payouts.past.reduce((a, p) => a + BigInt(p.sats), 0n)))
    expect(payouts.next?.pct).toBe(100) // the only miner in the window
  })

  it('draws a 24 h chart whose marks include the best share', async () => {
    const chart = await get<{ points: { t: number; hashrate: number }[]; bestShares: { difficulty: number }[]; bucketSeconds: number; ticks: { label: string }[] }>(`/api/miners/${MINER}/chart`)
    expect(chart.status).toBe(200)
    expect(chart.body.points).toHaveLength(144)
    expect(chart.body.bucketSeconds).toBe(600)
    expect(chart.body.points.some((p) => p.hashrate > 0)).toBe(true)
    const { miner: m } = await miner()
    expect(Math.max(...chart.body.bestShares.map((b) => b.difficulty))).toBeLessThanOrEqual(m.best.allTime?.difficulty ?? 0)
    expect(Math.max(...chart.body.bestShares.map((b) => b.difficulty))).toBeGreaterThan(0)
    expect((await get(`/api/miners/${STRANGER}/chart`)).status).toBe(404)
    expect((await get(`/api/miners/${MINER}/chart?hours=25`)).status).toBe(400)
    expect((await get('/api/miners/nope/chart')).status).toBe(400)
  })

  it('exports per-worker series in /metrics, folding workers past the limit into _other', async () => {
    const text = await (await fetch(h.api.url + '/metrics')).text()
    const series = text.split('\n').filter((l) => l.startsWith('hashcoop_worker_hashrate_hps{') && l.includes('window="10m"'))
    expect(series).toHaveLength(2) // the top worker and "_other" (metricsWorkers: 1)
    expect(series.some((l) => l.includes(`address="${MINER}"`) && /worker="rig[12]"/.test(l))).toBe(true)
    expect(series.some((l) => l.includes('address="_other",worker="_other"'))).toBe(true)
    expect(text).toMatch(/hashcoop_workers\{kind="known"\} 2/)
    expect(text).toMatch(/hashcoop_workers\{kind="folded"\} 1/)
    expect(text).toMatch(new RegExp(`hashcoop_worker_best_difficulty\\{address="${MINER}",worker="rig[12]",since="all"\\} [0-9.e+-]+`))
  })
})

describe('GET /api/events', () => {
  it('streams tip, share and worker events as they happen', async () => {
    const ctl = new AbortController()
    const res = await fetch(h.api.url + '/api/events', { signal: ctl.signal })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    const reader = (res.body as ReadableStream<Uint8Array>).getReader()
    const seen = new Set<string>()
    let text = ''
    const deadline = Date.now() + 60_000
    while (!(seen.has('tip') && seen.has('worker')) && Date.now() < deadline) {
      const { value, done } = await reader.read()
      if (done) break
      text += new TextDecoder().decode(value)
      for (const m of text.matchAll(/^event: (\w+)$/gm)) seen.add(m[1] as string)
    }
    ctl.abort()
    expect([...seen]).toEqual(expect.arrayContaining(['tip', 'worker']))
    const worker = /event: worker\ndata: (.*)\n/.exec(text)?.[1]
    expect(JSON.parse(worker ?? '{}')).toMatchObject({ address: MINER, worker: expect.stringMatching(/^rig[12]$/) })
  })

  it('refuses another origin (403)', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(h.api.url + '/api/events', { headers: { origin: 'http://evil.example' } }, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      req.on('error', reject)
      req.end()
    })
    expect(status).toBe(403)
  })
})

describe('across a restart', () => {
  it('keeps each worker’s counts and best shares (worker-stats.json in the data dir)', async () => {
    const before = await miner()
    const counts = new Map(before.miner.workers.map((w) => [w.name, w]))
    await h.restart()
    // Once the rigs are back on the restarted node (their new sessions start counting from zero),
    // the counts must still include everything before the restart.
    await waitFor(async () => (await miner()).miner.workers.filter((w) => w.online).length === 2, 'both rigs reconnected', 60_000)
    const after = await miner()
    for (const w of after.miner.workers) {
      const was = counts.get(w.name)
      expect(was).toBeDefined()
      expect(w.accepted).toBeGreaterThanOrEqual(was?.accepted ?? Infinity)
      expect(w.best.allTime?.difficulty).toBeGreaterThanOrEqual(was?.best.allTime?.difficulty ?? Infinity)
    }
    expect(after.miner.workers.map((w) => w.name)).toEqual(['rig1', 'rig2'])
    expect(after.miner.best.allTime?.difficulty).toBeGreaterThanOrEqual(before.miner.best.allTime?.difficulty ?? Infinity)
  }, 60_000)
})
