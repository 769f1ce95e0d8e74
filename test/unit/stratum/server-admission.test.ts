/**
 * Limits an operator controls and sees (issue 13): every refusal is counted by reason, logged at
 * warn (rate-limited), and the miner gets a stratum error before the close. Unproven sessions
 * (no accepted solution for their address yet) are capped, timed out sooner, and served last.
 */
import { describe, expect, it } from 'vitest'
import { addressPrefix } from '../../../src/stratum/prefix.js'
import type { Payout, StratumLogger } from '../../../src/stratum/types.js'
import { addressFor, makeJob } from './support/fixtures.js'
import { ALICE, BOB, startServer } from './support/harness.js'
import { findNonce, until, type TestMiner } from './support/test-miner.js'

const CAROL = addressFor(0x43)

function recordingLogger(): StratumLogger & { warnings: { obj: Record<string, unknown>; msg: string | undefined }[] } {
  const warnings: { obj: Record<string, unknown>; msg: string | undefined }[] = []
  return { warnings, debug() {}, info() {}, error() {}, warn: (obj, msg) => warnings.push({ obj: obj as Record<string, unknown>, msg }) }
}

/** Submits one accepted pseudo-share (the session difficulty is trivial in these tests). */
async function proveOnce(m: TestMiner & { extranonce1: string }, username: string): Promise<void> {
  const n = await m.notify()
  const en2 = '00000000000000aa'
  const { nonce } = findNonce(n, m.extranonce1, en2, () => true)
  const reply = await m.request('mining.submit', [username, n.jobId, en2, n.time, nonce])
  expect(reply.result).toBe(true)
}

const TRIVIAL = { minDifficulty: 1e-12, startDifficulty: 1e-12, vardiff: false as const, proofDifficulty: 0 }

describe('connection limits', () => {
  it('refuses beyond maxConnectionsPerPrefix (/24) with a stratum error, counts and logs it, and admits another /24', async () => {
    const logger = recordingLogger()
    const h = await startServer({ maxConnectionsPerPrefix: 2, logger })
    const a = await h.miner('127.0.0.2')
    const b = await h.miner('127.0.0.3')
    for (const m of [a, b]) expect((await m.request('mining.subscribe', [])).error).toBeNull()
    const refused = await h.miner('127.0.0.4')
    const reply = await refused.request('mining.subscribe', [], 7)
    expect(reply).toMatchObject({ id: 7, result: null, error: [20, expect.stringMatching(/your network, \/24 or \/64 \(maxConnectionsPerPrefix\)/), null] })
    await refused.closed
    expect(h.server.stats().refusals['connections-per-prefix']).toBe(1)
    expect(h.server.stats().refusedConnections).toBe(1)
    expect(logger.warnings).toEqual([expect.objectContaining({ obj: expect.objectContaining({ reason: 'connections-per-prefix', ip: '127.0.0.4' }) })])
    const other = await h.miner('127.0.1.2')
    expect((await other.request('mining.subscribe', [])).error).toBeNull()
  })

  it('refuses beyond maxConnections and maxConnectionsPerIp with their reasons; warns once per reason per 10 s but counts all', async () => {
    const logger = recordingLogger()
    const h = await startServer({ maxConnections: 3, maxConnectionsPerIp: 2, logger })
    await h.miner()
    await h.miner()
    const perIp = await h.miner()
    expect((await perIp.request('mining.subscribe', [])).error).toEqual([20, expect.stringMatching(/your IP address \(maxConnectionsPerIp\)/), null])
    await h.miner('127.0.0.9')
    for (let i = 0; i < 3; i++) {
      const over = await h.miner('127.0.0.10')
      expect((await over.request('mining.subscribe', [])).error).toEqual([20, expect.stringMatching(/connection limit \(maxConnections\)/), null])
    }
    const stats = h.server.stats()
    expect(stats.refusals.connections).toBe(3)
    expect(stats.refusals['connections-per-ip']).toBe(1)
    expect(logger.warnings.map((w) => w.obj.reason)).toEqual(['connections-per-ip', 'connections'])
  })

  it('groups IPv6 addresses by /64 and IPv4-mapped ones by /24', () => {
    expect(addressPrefix('2001:db8:1:2:aaaa::1')).toBe('2001:0db8:0001:0002::/64')
    expect(addressPrefix('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe(addressPrefix('2001:db8:1:2::'))
    expect(addressPrefix('2001:db8:1:3::1')).not.toBe(addressPrefix('2001:db8:1:2::1'))
    expect(addressPrefix('::ffff:10.1.2.3')).toBe('10.1.2.0/24')
    expect(addressPrefix('10.1.2.200')).toBe('10.1.2.0/24')
    expect(addressPrefix('::1')).toBe('0000:0000:0000:0000::/64')
  })
})

describe('unproven sessions', () => {
  it('caps unproven sessions: the next authorize gets a stratum error; a proven address is admitted past the cap', async () => {
    const logger = recordingLogger()
    const h = await startServer({ ...TRIVIAL, maxUnprovenSessions: 2, logger })
    h.server.setJob(makeJob())
    const alice = await h.readyMiner(`${ALICE}.a`)
    await h.readyMiner(`${BOB}.b`)
    expect(h.server.stats().unprovenSessions).toBe(2)
    const carol = await h.miner()
    await carol.request('mining.subscribe', [])
    const refused = await carol.request('mining.authorize', [`${CAROL}.c`, 'x'], 5)
    expect(refused).toMatchObject({ id: 5, result: null, error: [20, expect.stringMatching(/without an accepted share yet; retry later \(maxUnprovenSessions\)/), null] })
    await carol.closed
    expect(h.server.stats().refusals['unproven-sessions']).toBe(1)
    expect(logger.warnings[0]?.obj).toMatchObject({ reason: 'unproven-sessions', address: null })
    // Alice proves herself: her address is proven, so another rig of hers gets in at the cap.
    await proveOnce(alice, `${ALICE}.a`)
    await until(() => h.server.stats().unprovenSessions === 1)
    expect(h.server.stats().provenAddresses).toBe(1)
    await h.readyMiner(`${ALICE}.second-rig`)
    expect(h.server.stats().unprovenSessions).toBe(1)
  })

  it('caps distinct unproven addresses (more rigs of one address are fine) and unproven sessions per prefix', async () => {
    const h = await startServer({ ...TRIVIAL, maxUnprovenAddresses: 1, maxUnprovenPerPrefix: 3 })
    await h.readyMiner(`${ALICE}.1`)
    await h.readyMiner(`${ALICE}.2`)
    const bob = await h.miner()
    await bob.request('mining.subscribe', [])
    expect((await bob.request('mining.authorize', [`${BOB}.1`, 'x'])).error).toEqual([20, expect.stringMatching(/\(maxUnprovenAddresses\)/), null])
    await h.readyMiner(`${ALICE}.3`)
    const fourth = await h.miner()
    await fourth.request('mining.subscribe', [])
    expect((await fourth.request('mining.authorize', [`${ALICE}.4`, 'x'])).error).toEqual([20, expect.stringMatching(/from your network; retry later \(maxUnprovenPerPrefix\)/), null])
    const s = h.server.stats()
    expect([s.refusals['unproven-addresses'], s.refusals['unproven-per-prefix'], s.unprovenAddresses, s.unprovenSessions]).toEqual([1, 1, 1, 3])
  })

  it('drops an unproven session after unprovenTimeoutMs, telling it why, and keeps a proven one', async () => {
    let now = 1_000_000
    const h = await startServer({ ...TRIVIAL, unprovenTimeoutMs: 60_000, idleTimeoutMs: 3_600_000, sweepIntervalMs: 3_600_000, now: () => now })
    h.server.setJob(makeJob())
    const idle = await h.readyMiner(`${BOB}.idle`)
    const worker = await h.readyMiner(`${ALICE}.w`)
    await proveOnce(worker, `${ALICE}.w`)
    now += 59_000
    h.server.sweep()
    expect(idle.isClosed).toBe(false)
    now += 1_000
    h.server.sweep()
    await idle.closed
    expect(idle.received.at(-1)).toMatchObject({ method: 'client.show_message', params: [expect.stringMatching(/no accepted share in time since authorize \(unprovenTimeoutMs\)/)] })
    expect(worker.isClosed).toBe(false)
    expect(h.server.stats().refusals['unproven-timeout']).toBe(1)
  })

  it('needs proofDifficulty of accepted pseudo-shares before an address counts as proven', async () => {
    const h = await startServer({ ...TRIVIAL, proofDifficulty: 2.5e-12 })
    h.server.setJob(makeJob())
    const m = await h.readyMiner(`${ALICE}.w`)
    const n = await m.notify()
    for (let i = 1; i <= 3; i++) {
      expect(h.server.stats().provenAddresses).toBe(0)
      const en2 = i.toString(16).padStart(16, '0')
      const { nonce } = findNonce(n, m.extranonce1, en2, () => true)
      expect((await m.request('mining.submit', [`${ALICE}.w`, n.jobId, en2, n.time, nonce])).result).toBe(true)
    }
    expect(h.server.stats().provenAddresses).toBe(1)
    await until(() => h.server.stats().unprovenSessions === 0)
  })

  it('fans a job out to proven sessions first (most recent solution first), unproven ones last', async () => {
    let now = 1_000_000
    const h = await startServer({ ...TRIVIAL, now: () => now })
    h.server.setJob(makeJob())
    await h.readyMiner(`${CAROL}.u`)
    const earlier = await h.readyMiner(`${BOB}.b`)
    const latest = await h.readyMiner(`${ALICE}.a`)
    await proveOnce(earlier, `${BOB}.b`)
    now += 1000
    await proveOnce(latest, `${ALICE}.a`)
    // The coinbase for each address is made when the fan-out first reaches a session of it.
    const order: string[] = []
    const job = makeJob()
    h.server.setJob({ ...job, coinbaseFor: (payout: Payout) => (order.push(payout.address), job) })
    await until(() => order.length === 3)
    expect(order).toEqual([ALICE, BOB, CAROL])
  })
})
