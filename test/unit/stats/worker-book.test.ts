import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { minerChart } from '../../../src/api/worker-accounting.js'
import { loadBook, WorkerStatsFileError, workerStatsPath } from '../../../src/stats/persist.js'
import { MINUTE_MS, WorkerBook } from '../../../src/stats/worker-book.js'
import { WorkerStats } from '../../../src/stats/worker-stats.js'
import type { SubmitOutcome } from '../../../src/stratum/types.js'

const A = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080'
const B = 'bcrt1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qzf4jry'
const T0 = 1_800_000_000_000

function ok(address: string, worker: string, at: number, difficulty: number, hashDifficulty = difficulty, kind: 'pseudo' | 'share' | 'block' = 'pseudo'): SubmitOutcome {
  return { accepted: true, address, worker, kind, difficulty, hashDifficulty, stale: false, at }
}

const dirs: string[] = []
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'hashcoop-stats-'))
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe('WorkerBook', () => {
  it('counts accepted, rejected and stale submissions, the last difficulty and the best shares per worker and address', () => {
    const book = new WorkerBook()
    book.record(ok(A, 'rig1', T0, 8, 20))
    book.record(ok(A, 'rig1', T0 + 1000, 8, 5000, 'share'))
    book.record(ok(A, 'rig2', T0 + 2000, 16, 900))
    book.record({ accepted: false, address: A, worker: 'rig1', reason: 'stale', difficulty: 32, at: T0 + 3000 })
    book.record({ accepted: false, address: A, worker: 'rig1', reason: 'duplicate', difficulty: 32, at: T0 + 4000 })
    const rig1 = book.worker(A, 'rig1')
    expect(rig1).toMatchObject({ accepted: 2, rejected: 2, stale: 1, shares: 1, difficulty: 32, lastShareAt: T0 + 1000, rejectedBy: { stale: 1, duplicate: 1 } })
    expect(rig1?.bestAllTime).toEqual({ difficulty: 5000, at: T0 + 1000, worker: 'rig1' })
    expect(book.address(A)?.bestAllTime).toEqual({ difficulty: 5000, at: T0 + 1000, worker: 'rig1' })
    expect(book.workersOf(A).map((w) => w.worker)).toEqual(['rig1', 'rig2'])
    expect(book.address(B)).toBeUndefined()
  })

  it('starts the bests "since the last block" over when a block is found, keeping the all-time ones', () => {
    const book = new WorkerBook()
    book.record(ok(A, '', T0, 1, 7000))
    book.blockFound()
    expect(book.worker(A, '')?.bestSinceBlock).toBeNull()
    expect(book.address(A)?.bestSinceBlock).toBeNull()
    book.record(ok(A, '', T0 + 5000, 1, 30))
    expect(book.worker(A, '')?.bestSinceBlock?.difficulty).toBe(30)
    expect(book.worker(A, '')?.bestAllTime?.difficulty).toBe(7000)
  })

  it('estimates 10 min / 1 h / 24 h hashrate from the difficulty of accepted submissions', () => {
    const book = new WorkerBook()
    // One difficulty-1 submission every second for two hours: 2^32 H/s.
    for (let s = 0; s < 7200; s++) book.record(ok(A, 'x', T0 + s * 1000, 1))
    const w = book.worker(A, 'x')
    if (w === undefined) throw new Error('no record')
    const now = T0 + 7200 * 1000
    const h = WorkerBook.hashrates(w, now)
    expect(h['10m'] / 2 ** 32).toBeCloseTo(1, 1)
    expect(h['1h'] / 2 ** 32).toBeCloseTo(1, 1)
    // 24 h of a two-hour-old worker is judged over its two hours.
    expect(h['24h'] / 2 ** 32).toBeCloseTo(1, 1)
    // An hour later with nothing: the 10 min window is empty, the 1 h one too, 24 h halves.
    const later = now + 3_600_000
    expect(WorkerBook.hashrate(w, 10 * MINUTE_MS, later)).toBe(0)
    expect(WorkerBook.hashrate(w, 24 * 60 * MINUTE_MS, later) / 2 ** 32).toBeCloseTo(2 / 3, 1)
  })

  it('keeps at most 24 h of minute buckets and at most maxWorkers workers, the least recently active going first', () => {
    const book = new WorkerBook(3)
    for (let m = 0; m < 1500; m++) book.record(ok(A, 'a', T0 + m * MINUTE_MS, 1))
    expect(book.worker(A, 'a')?.minutes.length).toBe(60) // the last hour by minute
    expect(book.worker(A, 'a')?.tens.length).toBe(144) // 24 h by ten minutes
    book.record(ok(A, 'b', T0, 1))
    book.record(ok(B, 'c', T0, 1))
    book.record(ok(A, 'a', T0 + 2000 * MINUTE_MS, 1)) // a is the most recent again
    book.record(ok(B, 'd', T0, 1)) // the fourth worker evicts b
    expect(book.size).toBe(3)
    expect(book.worker(A, 'b')).toBeUndefined()
    expect(book.worker(A, 'a')).toBeDefined()
  })

  it('property: the all-time best is the maximum accepted hash difficulty, whatever the order', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ worker: fc.constantFrom('a', 'b', 'c'), d: fc.double({ min: 0.001, max: 1e9, noNaN: true }), blockAfter: fc.boolean() }), { minLength: 1, maxLength: 60 }), (subs) => {
        const book = new WorkerBook()
        let sinceBlock = 0
        subs.forEach((s, i) => {
          book.record(ok(A, s.worker, T0 + i, 1, s.d))
          sinceBlock = Math.max(sinceBlock, s.d)
          if (s.blockAfter) {
            book.blockFound()
            sinceBlock = 0
          }
        })
        expect(book.address(A)?.bestAllTime?.difficulty).toBe(Math.max(...subs.map((s) => s.d)))
        expect(book.address(A)?.bestSinceBlock?.difficulty ?? 0).toBe(sinceBlock)
        for (const w of ['a', 'b', 'c']) {
          const mine = subs.filter((s) => s.worker === w).map((s) => s.d)
          expect(book.worker(A, w)?.bestAllTime?.difficulty).toBe(mine.length === 0 ? undefined : Math.max(...mine))
        }
      })
    )
  })
})

describe('the miner chart', () => {
  it('puts each minute in its bucket and marks the best share of each bucket', () => {
    const book = new WorkerBook()
    const now = T0 + 60 * MINUTE_MS
    book.record(ok(A, 'a', now - 50 * MINUTE_MS, 60, 100))
    book.record(ok(A, 'b', now - 50 * MINUTE_MS + 1000, 60, 4000))
    book.record(ok(A, 'a', now - 5 * MINUTE_MS, 120, 300))
    const chart = minerChart(book.workersOf(A), now, 1, 6) // six 10-minute buckets
    expect(chart.points).toHaveLength(6)
    expect(chart.bucketSeconds).toBe(600)
    const nonZero = chart.points.filter((p) => p.hashrate > 0)
    expect(nonZero).toHaveLength(2)
    expect(nonZero[0]?.hashrate).toBeCloseTo((120 * 2 ** 32) / 600)
    expect(chart.bestShares.map((b) => [b.difficulty, b.worker])).toEqual([
      [4000, 'b'],
      [300, 'a']
    ])
    expect(chart.ticks.at(-1)?.value).toBeGreaterThanOrEqual(Math.max(...chart.points.map((p) => p.hashrate)))
    // Minute resolution within the last hour: the same work in sixty 1-minute buckets.
    const fine = minerChart(book.workersOf(A), now, 1, 60)
    expect(fine.bucketSeconds).toBe(60)
    expect(fine.points.reduce((a, p) => a + p.hashrate * 60, 0)).toBeCloseTo(chart.points.reduce((a, p) => a + p.hashrate * 600, 0))
    // Past an hour the buckets are whole ten minutes, and never more than the span holds.
    const wide = minerChart(book.workersOf(A), now, 2, 500)
    expect(wide.bucketSeconds).toBe(600)
    expect(wide.points).toHaveLength(12)
  })
})

describe('the miner chart, its newest bucket', () => {
  it('divides by the part of a bucket that has passed since the worker was first seen, not by the whole bucket', () => {
    const book = new WorkerBook()
    // Found 2 minutes into a 10-minute bucket, mining since then at a steady rate: 2 difficulty-60 shares a minute.
    const start = T0 - (T0 % (10 * MINUTE_MS)) + 10 * MINUTE_MS
    const now = start + 4 * MINUTE_MS
    for (let t = start + 2 * MINUTE_MS; t < now; t += 30_000) book.record(ok(A, 'rig', t, 60))
    const chart = minerChart(book.workersOf(A), now, 24, 144)
    const steady = (2 * 60 * 2 ** 32) / 60
    expect(chart.points.at(-1)?.hashrate).toBeCloseTo(steady)
    const [rig] = book.workersOf(A)
    if (rig === undefined) throw new Error('no worker')
    expect(chart.points.at(-1)?.hashrate).toBeCloseTo(WorkerBook.hashrate(rig, 10 * MINUTE_MS, now))
    // A bucket before the worker was first seen shows nothing, and no division by zero.
    expect(chart.points.at(-2)?.hashrate).toBe(0)
  })
})

describe('WorkerStats in the data dir', () => {
  it('survives a restart: counts, bests and the hashrate buckets come back', async () => {
    const dir = tempDir()
    const first = await WorkerStats.open({ dataDir: dir, saveIntervalMs: 3_600_000 })
    first.syncBlocks(3)
    first.record(ok(A, 'rig1', T0, 64, 123456, 'share'))
    first.record({ accepted: false, address: A, worker: 'rig1', reason: 'stale', difficulty: 64, at: T0 + 10 })
    await first.close()
    const again = await WorkerStats.open({ dataDir: dir, saveIntervalMs: 3_600_000 })
    const w = again.book.worker(A, 'rig1')
    expect(w).toMatchObject({ accepted: 1, rejected: 1, stale: 1, shares: 1, difficulty: 64 })
    expect(w?.bestAllTime?.difficulty).toBe(123456)
    expect(again.book.address(A)?.bestSinceBlock?.difficulty).toBe(123456)
    expect(w?.minutes).toHaveLength(1)
    expect(w?.tens).toHaveLength(1)
    // The saved block count is the mark: a fourth block starts "since the last block" over.
    let resets = 0
    again.on('block-reset', () => resets++)
    again.syncBlocks(3)
    expect(resets).toBe(0)
    again.syncBlocks(4)
    expect(resets).toBe(1)
    expect(again.book.address(A)?.bestSinceBlock).toBeNull()
    expect(again.book.address(A)?.bestAllTime?.difficulty).toBe(123456)
    await again.close()
  })

  it('keeps a damaged file aside and starts empty, saying why', async () => {
    const dir = tempDir()
    writeFileSync(workerStatsPath(dir), '{"format":"hashcoop-worker-stats","version":1,"workers":[{"address":7}],"addresses":[]}')
    await expect(loadBook(dir)).rejects.toThrow(WorkerStatsFileError)
    expect(readdirSync(dir).some((f) => f.startsWith('worker-stats.json.bad-'))).toBe(true)
    writeFileSync(workerStatsPath(dir), 'not json')
    const warnings: string[] = []
    const stats = await WorkerStats.open({ dataDir: dir, logger: { info() {}, warn: (_o, m) => warnings.push(m ?? '') } })
    expect(stats.book.size).toBe(0)
    expect(warnings.join('\n')).toMatch(/damaged .*kept as .*worker-stats\.json\.bad-/)
    stats.record(ok(B, '', T0, 1))
    await stats.close()
    expect(JSON.parse(readFileSync(workerStatsPath(dir), 'utf8')).workers).toHaveLength(1)
  })
})
