// Issue 16 part 1: reconnection that always converges. Three share-chain nodes (founder, writer,
// non-writer), each in its own process, on the loopback DHT testnet (test/harness/process-cluster.ts).
// Five rounds of kill -9 and restart on the same data dir (founder, writer, non-writer, founder,
// writer), then five rounds of a partition that drops packets without closing anything (SIGSTOP
// until the others have dropped the node; shares are mined meanwhile) and its heal (SIGCONT). After
// every round all three views must reach one tip within 30 s, with nobody restarting anyone else.
// Timings go to the console here and to `npm run bench reconnect` as figures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { median, ProcessCluster, type RoundResult } from '../../harness/process-cluster.js'

const ROUNDS = 5

let cluster: ProcessCluster
const results: Record<'restart' | 'heal', RoundResult[]> = { restart: [], heal: [] }

beforeAll(async () => {
  cluster = await ProcessCluster.start('reconnect-processes-test')
}, 180_000)

afterAll(async () => {
  await cluster?.stop()
  for (const [what, rs] of Object.entries(results)) {
    if (rs.length === 0) continue
    const rec = rs.map((r) => r.reconnectMs)
    const conv = rs.map((r) => r.convergeMs)
    console.info(`[measure] after ${what}: reconnect median ${median(rec)} ms, max ${Math.max(...rec)} ms; converge median ${median(conv)} ms, max ${Math.max(...conv)} ms (${rec.join(' ')} / ${conv.join(' ')})`)
  }
})

function expectConverged(r: RoundResult): void {
  expect(new Set(r.reports.map((p) => p.tip)).size).toBe(1)
  expect(new Set(r.reports.map((p) => p.hash)).size).toBe(1)
  for (const p of r.reports) expect(p.peers).toHaveLength(2)
}

describe('multi-process cluster: restarts and partitions always reconnect and converge', () => {
  it(`kill -9 and restart each node in turn, ${ROUNDS} rounds`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const r = await cluster.restartRound(round)
      results.restart.push(r)
      expect(r.victim).toBe(cluster.victim(round).name)
      expectConverged(r)
    }
  }, 300_000)

  it(`partition each node in turn without closing its connections, ${ROUNDS} rounds, and heal`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const r = await cluster.partitionRound(round)
      results.heal.push(r)
      expectConverged(r)
    }
  }, 300_000)
})
