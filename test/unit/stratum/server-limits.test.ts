/** Connection limits, timeouts, slow readers and shutdown, over real TCP. */
import { describe, expect, it } from 'vitest'
import { StratumServer } from '../../../src/stratum/server.js'
import { makeJob } from './support/fixtures.js'
import { ALICE, startServer } from './support/harness.js'
import { findNonce, TestMiner, until } from './support/test-miner.js'

describe('connection limits', () => {
  it('closes connections beyond maxConnections, and takes new ones once some leave', async () => {
    const h = await startServer({ maxConnections: 3 })
    const kept = await Promise.all([h.miner(), h.miner(), h.miner()])
    for (const m of kept) await m.request('mining.subscribe', [])
    const extra = await h.miner()
    await extra.closed
    expect(kept.every((m) => !m.isClosed)).toBe(true)
    await kept[0]?.close()
    await until(() => h.server.stats().connections === 2)
    const later = await h.miner()
    expect((await later.request('mining.subscribe', [])).error).toBeNull()
  })

  it('closes connections beyond maxConnectionsPerIp', async () => {
    const h = await startServer({ maxConnectionsPerIp: 2 })
    const [a, b] = await Promise.all([h.miner(), h.miner()])
    await a.request('mining.subscribe', [])
    await b.request('mining.subscribe', [])
    const c = await h.miner()
    await c.closed
    expect(a.isClosed || b.isClosed).toBe(false)
    expect(h.server.stats().refusedConnections).toBe(1)
  })
})

describe('timeouts', () => {
  it('drops a connection that does not subscribe and authorize in time', async () => {
    const h = await startServer({ handshakeTimeoutMs: 100, sweepIntervalMs: 20 })
    const silent = await h.miner()
    const halfway = await h.miner()
    await halfway.request('mining.subscribe', [])
    await Promise.all([silent.closed, halfway.closed])
    await until(() => h.server.stats().connections === 0)
  })

  it('drops a ready connection that sends no accepted share in time, keeps one that does', async () => {
    const h = await startServer({ idleTimeoutMs: 1000, sweepIntervalMs: 20, minDifficulty: 1e-12, startDifficulty: 1e-12, vardiff: false })
    h.server.setJob(makeJob())
    const idle = await h.readyMiner()
    const busy = await h.readyMiner()
    const n = await busy.notify()
    let i = 0
    while (!idle.isClosed) {
      const en2 = (++i).toString(16).padStart(16, '0')
      const { nonce } = findNonce(n, busy.extranonce1, en2, () => true)
      expect((await busy.request('mining.submit', [`${ALICE}.w1`, n.jobId, en2, n.time, nonce])).result).toBe(true)
      await new Promise((r) => setTimeout(r, 30))
    }
    expect(busy.isClosed).toBe(false)
  })

  it('runs timeouts from the injected clock', async () => {
    let now = 1_000_000
    const h = await startServer({ handshakeTimeoutMs: 60_000, sweepIntervalMs: 3_600_000, now: () => now })
    const m = await h.miner()
    await m.request('mining.subscribe', [])
    h.server.sweep()
    expect(m.isClosed).toBe(false)
    now += 60_000
    h.server.sweep()
    await m.closed
  })
})

describe('slow readers', () => {
  it('drops a connection that does not read instead of buffering for it without bound', async () => {
    const h = await startServer({ maxSendBufferBytes: 64 * 1024 })
    const reader = await h.readyMiner()
    const stalled = await h.readyMiner()
    stalled.socket.pause() // stop reading: the kernel buffers fill, then the server's queue grows
    const job = makeJob({ cleanJobs: false, txCount: 3000 }) // ~1 KB per notify
    for (let i = 0; i < 50_000 && h.server.stats().connections > 1; i++) {
      h.server.setJob({ ...job, id: `flood-${i}` })
      if (i % 100 === 0) await new Promise((r) => setImmediate(r))
    }
    await until(() => h.server.stats().connections === 1)
    expect(reader.isClosed).toBe(false)
    expect((await reader.request('mining.extranonce.subscribe', [])).result).toBe(true)
  })
})

describe('close()', () => {
  it('closes every connection, resolves, and accepts no more', async () => {
    const server = new StratumServer({ network: 'mainnet', onSolution: () => undefined })
    const { port } = await server.listen()
    const miners = await Promise.all([TestMiner.connect(port), TestMiner.connect(port)])
    await miners[0]?.handshake(ALICE)
    await server.close()
    await Promise.all(miners.map((m) => m.closed))
    await expect(TestMiner.connect(port)).rejects.toThrow()
  })
})
