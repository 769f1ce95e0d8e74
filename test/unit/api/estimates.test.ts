import { describe, expect, it } from 'vitest'
import { ChainReader } from '../../../src/api/chain-reader.js'
import { hashrateSeries, recentWork } from '../../../src/api/estimates.js'
import { MemoryView } from '../../../src/sharechain/memory-view.js'
import { KEY } from '../../../src/sharechain/view.js'

const CREATED = 1_800_000_000
const WORK = 1_000_000n
const SCRIPTS = ['0014' + '11'.repeat(20), '0014' + '22'.repeat(20)]

/** A best chain of `n` shares, one every 2 s from CREATED + 2, alternating between two miners. */
async function chainOf(n: number): Promise<ChainReader> {
  const view = new MemoryView()
  const batch = view.batch()
  let parent: string | null = null
  for (let h = 0; h < n; h++) {
    const id = h.toString(16).padStart(64, '0')
    await batch.put(KEY.share(id), { parent, height: h, time: CREATED + 2 * (h + 1), chainTime: CREATED + 2 * (h + 1), work: String(WORK), script: SCRIPTS[h % 2], target: 'ff', bytes: '', cumWork: '0', uncles: [], isBlock: false, seq: h })
    await batch.put(KEY.height(h), id)
    parent = id
  }
  if (parent !== null) await batch.put(KEY.tip, { id: parent, height: n - 1, cumWork: '0' })
  await batch.flush()
  return new ChainReader(view, 'regtest')
}

describe('hashrate from share-chain work', () => {
  it('sums the recent window per miner, over the cooperative age when it is younger', async () => {
    const reader = await chainOf(100) // shares at CREATED+2 .. CREATED+200
    const all = await recentWork(reader, CREATED + 200, CREATED, 600)
    expect(all.span).toBe(200)
    expect(all.shares).toBe(100)
    expect(all.total).toBe(100n * WORK)
    expect(all.byScript.get(SCRIPTS[0] as string)).toEqual({ work: 50n * WORK, shares: 50 })
    const last = await recentWork(reader, CREATED + 200, CREATED, 20)
    expect(last.span).toBe(20)
    expect(last.shares).toBe(11) // times 180..200 inclusive
  })

  it('draws a trailing-window series inside its range, never in the future', async () => {
    const reader = await chainOf(100)
    const now = CREATED + 200
    const s = await hashrateSeries(reader, now, CREATED, 10, 50, [], 60)
    expect(s.from).toBe(CREATED)
    expect(s.to).toBe(now)
    expect(s.cooperative.every((p) => p.t <= now && p.t > CREATED)).toBe(true)
    // From 60 s in, a share of WORK every 2 s over a 60 s window: WORK / 2 per second.
    const steady = s.cooperative.filter((p) => p.t - CREATED >= 62)
    expect(steady.length).toBeGreaterThan(10)
    for (const p of steady) expect(p.hashrate).toBeCloseTo(Number(WORK) / 2, -4)
    // Nothing drawn before a sixth of the window has passed.
    expect(s.cooperative.every((p) => p.t - CREATED >= 10)).toBe(true)
    expect(s.cooperative[0]?.t).toBe(CREATED + 12)
    expect(s.ticks.at(-1)?.value).toBeGreaterThanOrEqual(s.max)
  })

  it('a cooperative seconds old gets no more points than seconds, all in range', async () => {
    const reader = await chainOf(2)
    const s = await hashrateSeries(reader, CREATED + 5, CREATED, 30, 60, [{ t: CREATED + 3, hashrate: 10 }, { t: CREATED + 9, hashrate: 10 }], 60)
    expect(s.bucketSeconds).toBe(1)
    expect(s.cooperative).toEqual([])
    expect(s.local).toEqual([{ t: CREATED + 3, hashrate: 10 }])
  })
})
