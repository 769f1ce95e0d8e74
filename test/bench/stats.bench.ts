/**
 * What per-worker accounting and alerts cost the node: one pseudo-share recorded (the stratum
 * path's added work), the API's view of a miner, a /metrics pass over many workers, the saved
 * file's size and time, and notify()'s cost (it only enqueues).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { minerChart } from '../../src/api/worker-accounting.js'
import { Notifier } from '../../src/notify/notifier.js'
import { workerStatsPath } from '../../src/stats/persist.js'
import { WorkerBook } from '../../src/stats/worker-book.js'
import { WorkerStats } from '../../src/stats/worker-stats.js'
import { emit, medianMs, opsPerSecond } from './lib.js'

const A = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080'
const T0 = 1_800_000_000_000
const WORKERS = 1_000

let at = T0
const book = new WorkerBook()
emit({
  name: 'stats.record_pseudo_share',
  value: opsPerSecond(() => {
    at += 50
    book.record({ accepted: true, address: A, worker: `w${at % 7}`, kind: 'pseudo', difficulty: 1, hashDifficulty: 1.5, stale: false, at })
  }),
  unit: 'ops/s'
})

// A farm: 1,000 workers, each submitting every 10 s for 24 h (the bucket arrays fully grown).
const farm = new WorkerBook(WORKERS)
for (let t = T0; t < T0 + 86_400_000; t += 10_000) for (let w = 0; w < WORKERS; w += 50) farm.record({ accepted: true, address: A, worker: `rig${w + ((t / 10_000) % 50)}`, kind: 'pseudo', difficulty: 64, hashDifficulty: 100, stale: false, at: t })
const now = T0 + 86_400_000
emit({ name: 'stats.hashrates_1000_workers', value: medianMs(() => farm.allWorkers().forEach((w) => WorkerBook.hashrates(w, now))), unit: 'ms' })
emit({ name: 'stats.chart_24h_1000_workers', value: medianMs(() => minerChart(farm.allWorkers(), now, 24, 144)), unit: 'ms' })

const dir = mkdtempSync(join(tmpdir(), 'hashcoop-bench-stats-'))
const stats = await WorkerStats.open({ dataDir: dir, saveIntervalMs: 3_600_000 })
stats.book.load(farm.allWorkers(), farm.allAddresses())
stats.syncBlocks(1)
const t0 = process.hrtime.bigint()
await stats.close()
emit({ name: 'stats.save_1000_workers', value: Number(process.hrtime.bigint() - t0) / 1e6, unit: 'ms' })
emit({ name: 'stats.file_1000_workers', value: statSync(workerStatsPath(dir)).size / 1e6, unit: 'MB' })
rmSync(dir, { recursive: true, force: true })

const notifier = new Notifier({ targets: ['http://127.0.0.1:9/unreachable'], maxAttempts: 1, timeoutMs: 1 })
const event = { event: 'worker-offline' as const, severity: 'warning' as const, title: 't', message: 'm', text: 't: m', time: new Date(T0).toISOString(), node: 'n', data: {} }
emit({ name: 'notify.enqueue', value: opsPerSecond(() => notifier.notify(event)), unit: 'ops/s' })
notifier.close()
