/** Jobs, submits, difficulty bookkeeping and verdicts over real TCP. */
import { describe, expect, it } from 'vitest'
import { buildCoinbaseParts } from '../../../src/bitcoin/coinbase.js'
import { difficultyToTarget, MAX_TARGET, targetToDifficulty } from '../../../src/bitcoin/target.js'
import type { Payout } from '../../../src/stratum/types.js'
import { makeJob, p2wpkhScript } from './support/fixtures.js'
import { ALICE, BOB, startServer } from './support/harness.js'
import { findNonce, until, type Notify, type TestMiner } from './support/test-miner.js'

const HALF = 2 ** -31 // target ~ MAX / 2
const EIGHTH = 2 ** -29 // target ~ MAX / 8
// The server's exact target for HALF: a little under MAX / 2, as difficultyToTarget rounds.
const HALF_TARGET = difficultyToTarget(HALF)
const HARD = MAX_TARGET >> 20n // share and block targets no test hash reaches by chance
const hardJob = (over: Parameters<typeof makeJob>[0] = {}): ReturnType<typeof makeJob> => makeJob({ shareTarget: HARD, blockTarget: HARD >> 4n, ...over })

let en2Counter = 0
/** Submits a solution whose hash value satisfies `ok` for job `n`. */
async function submitWhere(m: TestMiner & { extranonce1: string }, n: Notify, ok: (v: bigint) => boolean, worker = `${ALICE}.w1`): Promise<unknown> {
  const en2 = (++en2Counter).toString(16).padStart(16, '0')
  const { nonce } = findNonce(n, m.extranonce1, en2, ok)
  const reply = await m.request('mining.submit', [worker, n.jobId, en2, n.time, nonce])
  return reply.error ?? reply.result
}

describe('job fan-out', () => {
  it('sends each job to ready connections only, clean_jobs as the job says (first job always clean)', async () => {
    const h = await startServer()
    const ready = await Promise.all([h.readyMiner(), h.readyMiner(), h.readyMiner()])
    const waiting = await h.miner()
    await waiting.request('mining.subscribe', [])
    h.server.setJob(hardJob({ cleanJobs: false }))
    const first = await Promise.all(ready.map((m) => m.notify()))
    expect(first.every((n) => n.clean && n.jobId === first[0]?.jobId)).toBe(true)
    h.server.setJob(hardJob({ cleanJobs: false }))
    expect((await Promise.all(ready.map((m) => m.notify()))).map((n) => n.clean)).toEqual([false, false, false])
    h.server.setJob(hardJob({ cleanJobs: true }))
    expect((await Promise.all(ready.map((m) => m.notify()))).map((n) => n.clean)).toEqual([true, true, true])
    await waiting.request('mining.extranonce.subscribe', [])
    expect(waiting.pendingNotifications()).toEqual([])
    expect(h.server.stats()).toMatchObject({ connections: 4, subscribed: 4, authorized: 3, jobs: 3 })
  })

  it('refuses an inconsistent job at setJob, before any miner sees it', async () => {
    const h = await startServer({ extranonce2Size: 4 }) // 4 + 4 bytes; the fixture builds for 12
    expect(() => h.server.setJob(makeJob())).toThrow(/do not fit an extranonce of 8 bytes/)
    expect(h.server.extranonceSize).toBe(8)
    expect(() => h.server.setJob(makeJob({ extranonceSize: 8 }))).not.toThrow()
  })

  it('never asks a miner for more than the job’s share difficulty', async () => {
    const h = await startServer({ startDifficulty: 1024 })
    h.server.setJob(makeJob({ shareTarget: MAX_TARGET >> 2n, blockTarget: MAX_TARGET >> 30n }))
    const m = await h.readyMiner()
    expect((await m.notification('mining.set_difficulty')).params).toEqual([targetToDifficulty(MAX_TARGET >> 2n)])
  })

  it('but not capped by the block difficulty where blocks are easier than shares (regtest)', async () => {
    const h = await startServer({ startDifficulty: 1024 })
    h.server.setJob(makeJob({ shareTarget: MAX_TARGET >> 40n, blockTarget: MAX_TARGET >> 1n }))
    const m = await h.readyMiner()
    // every hash meeting the share target is a block there anyway; capping at the block difficulty
    // would make miners submit every other hash
    expect((await m.notification('mining.set_difficulty')).params).toEqual([targetToDifficulty(MAX_TARGET >> 40n)])
  })
})

describe('mining.submit over the wire', () => {
  it('accepts pseudo-shares, then rejects duplicates (22), stale jobs (21) and low difficulty (23)', async () => {
    const h = await startServer({ minDifficulty: 1e-12, startDifficulty: HALF, vardiff: false })
    h.server.setJob(hardJob())
    const m = await h.readyMiner()
    const n = await m.notify()
    expect(await submitWhere(m, n, (v) => v <= HALF_TARGET)).toBe(true)
    expect(h.solutions.map((s) => [s.kind, s.address, s.worker, s.difficulty])).toEqual([['pseudo', ALICE, 'w1', HALF]])

    const en2 = '00000000000000aa'
    const { nonce } = findNonce(n, m.extranonce1, en2, (v) => v <= HALF_TARGET)
    expect((await m.request('mining.submit', [`${ALICE}.w1`, n.jobId, en2, n.time, nonce])).result).toBe(true)
    expect((await m.request('mining.submit', [`${ALICE}.w1`, n.jobId, en2, n.time, nonce])).error).toEqual([22, 'duplicate share', null])
    expect(await submitWhere(m, n, (v) => v > (MAX_TARGET >> 1n) + (MAX_TARGET >> 4n))).toEqual([23, expect.stringMatching(/^low difficulty share/), null])

    h.server.setJob(hardJob({ cleanJobs: true }))
    await m.notify()
    expect(await submitWhere(m, n, (v) => v <= HALF_TARGET)).toEqual([21, 'stale job', null])
    expect(await submitWhere(m, n, () => true, `${BOB}.x`)).toEqual([24, expect.any(String), null])

    const stats = h.server.sessionStats()[0]
    expect(stats).toMatchObject({ accepted: 2, rejected: { duplicate: 1, 'low-difficulty': 1, stale: 1, unauthorized: 1 }, address: ALICE })
    expect(stats?.workers[0]).toMatchObject({ worker: 'w1', accepted: 2, rejected: { duplicate: 1, 'low-difficulty': 1, stale: 1 } })
    expect(stats?.hashrate).toBeGreaterThan(0)
    expect(h.server.stats()).toMatchObject({ accepted: 2, rejected: { duplicate: 1, 'low-difficulty': 1, stale: 1, unauthorized: 1 } })
  })

  it('classifies shares and blocks by the job targets, blocks first even on stale jobs', async () => {
    const h = await startServer({ minDifficulty: 1e-12, startDifficulty: HALF, vardiff: false })
    h.server.setJob(makeJob({ shareTarget: MAX_TARGET >> 3n, blockTarget: MAX_TARGET >> 6n }))
    const m = await h.readyMiner()
    const n = await m.notify()
    expect(await submitWhere(m, n, (v) => v > MAX_TARGET >> 6n && v <= MAX_TARGET >> 3n)).toBe(true)
    expect(await submitWhere(m, n, (v) => v <= MAX_TARGET >> 6n)).toBe(true)
    h.server.setJob(hardJob({ cleanJobs: true }))
    await m.notify()
    expect(await submitWhere(m, n, (v) => v <= MAX_TARGET >> 6n)).toBe(true) // late block: still handed over and accepted
    expect(h.solutions.map((s) => [s.kind, s.stale])).toEqual([
      ['share', false],
      ['block', false],
      ['block', true]
    ])
    expect(h.server.stats()).toMatchObject({ accepted: 3, shares: 3, blocks: 2 })
  })

  it('answers with the work layer’s verdict: refusals and failures as error 20, the server unharmed', async () => {
    let mode: 'refuse' | 'throw' | 'reject' | 'accept' = 'refuse'
    const h = await startServer({
      minDifficulty: 1e-12,
      startDifficulty: HALF,
      vardiff: false,
      onSolution: async () => {
        await new Promise((r) => setTimeout(r, 5))
        if (mode === 'refuse') return { accepted: false, reason: 'share-chain tip moved' }
        if (mode === 'throw') throw new Error('boom')
        return mode === 'reject' ? Promise.reject(new Error('bad')) : undefined
      }
    })
    h.server.setJob(hardJob())
    const m = await h.readyMiner()
    const n = await m.notify()
    const meets = (v: bigint): boolean => v <= HALF_TARGET
    expect(await submitWhere(m, n, meets)).toEqual([20, 'share-chain tip moved', null])
    mode = 'throw'
    expect(await submitWhere(m, n, meets)).toEqual([20, 'internal error', null])
    mode = 'reject'
    expect(await submitWhere(m, n, meets)).toEqual([20, 'internal error', null])
    mode = 'accept'
    expect(await submitWhere(m, n, meets)).toBe(true)
    expect(h.server.sessionStats()[0]).toMatchObject({ accepted: 1, rejected: { refused: 3 } })
  })

  it('refuses submits beyond maxPendingSubmits while the handler is busy, answers the rest when it is done', async () => {
    const release: (() => void)[] = []
    const h = await startServer({
      minDifficulty: 1e-12,
      startDifficulty: HALF,
      vardiff: false,
      maxPendingSubmits: 2,
      onSolution: () => new Promise<void>((resolve) => release.push(resolve))
    })
    h.server.setJob(hardJob())
    const m = await h.readyMiner()
    const n = await m.notify()
    const meets = (v: bigint): boolean => v <= HALF_TARGET
    const first = submitWhere(m, n, meets)
    const second = submitWhere(m, n, meets)
    expect(await submitWhere(m, n, meets)).toEqual([20, 'too many submissions awaiting a verdict', null])
    expect(release).toHaveLength(2)
    for (const r of release) r()
    expect([await first, await second]).toEqual([true, true])
    const fourth = submitWhere(m, n, meets)
    await until(() => release.length === 3)
    release[2]?.()
    expect(await fourth).toBe(true)
    expect(h.server.sessionStats()[0]).toMatchObject({ accepted: 3, rejected: { busy: 1 } })
  })

  it('answers a handler returning odd values (sync) sensibly: only { accepted: false } refuses', async () => {
    const verdicts: unknown[] = [null, 42, { accepted: false }, { accepted: true }, { accepted: false, reason: '' }]
    const h = await startServer({ minDifficulty: 1e-12, startDifficulty: HALF, vardiff: false, onSolution: () => verdicts.shift() as undefined })
    h.server.setJob(hardJob())
    const m = await h.readyMiner()
    const n = await m.notify()
    const meets = (v: bigint): boolean => v <= HALF_TARGET
    const replies = []
    for (let i = 0; i < 5; i++) replies.push(await submitWhere(m, n, meets))
    expect(replies).toEqual([true, true, [20, 'refused by the pool', null], true, [20, 'refused by the pool', null]])
  })

  it('rolls version bits within the negotiated mask and refuses bits outside it', async () => {
    const h = await startServer({ minDifficulty: 1e-12, startDifficulty: HALF, vardiff: false })
    h.server.setJob(hardJob({ version: 0x20000000 }))
    const m = await h.miner()
    await m.request('mining.configure', [['version-rolling'], { 'version-rolling.mask': '1fffe000', 'version-rolling.min-bit-count': 2 }])
    const { extranonce1 } = await m.handshake(`${ALICE}.w1`)
    const n = await m.notify()
    const en2 = '0000000000000bbb'
    const { nonce, header } = findNonce(n, extranonce1, en2, (v) => v <= HALF_TARGET, 0, '20a0e000')
    expect((await m.request('mining.submit', [`${ALICE}.w1`, n.jobId, en2, n.time, nonce, '00a0e000'])).result).toBe(true)
    expect(Buffer.from(h.solutions[0]?.header ?? []).equals(Buffer.from(header))).toBe(true)
    const outside = await m.request('mining.submit', [`${ALICE}.w1`, n.jobId, en2, n.time, nonce, '00000001'])
    expect(outside.error).toEqual([20, 'version bits 00000001 fall outside the negotiated mask 1fffe000', null])
  })
})

describe('difficulty per job', () => {
  it('after a raise, set_difficulty comes right before the next notify; old jobs keep the old difficulty', async () => {
    const h = await startServer({ minDifficulty: 1e-12, maxDifficulty: EIGHTH, startDifficulty: HALF, vardiff: { retargetShares: 4, retargetMs: 600_000 } })
    h.server.setJob(hardJob())
    const m = await h.readyMiner()
    expect((await m.notification('mining.set_difficulty')).params).toEqual([HALF])
    const old = await m.notify()
    for (let i = 0; i < 4; i++) expect(await submitWhere(m, old, (v) => v <= HALF_TARGET)).toBe(true)
    expect(m.pendingNotifications()).toEqual([]) // vardiff raised it; it goes out with the next job
    h.server.setJob(hardJob({ cleanJobs: false }))
    const raised = await m.notification('mining.set_difficulty')
    expect(raised.params).toEqual([EIGHTH])
    const fresh = await m.notify()
    expect(m.received[m.received.indexOf(raised) + 1]?.method).toBe('mining.notify')

    const between = (v: bigint): boolean => v > MAX_TARGET >> 3n && v <= HALF_TARGET
    expect(await submitWhere(m, old, between)).toBe(true) // counted at the old difficulty
    expect(h.solutions.slice(-1)[0]?.difficulty).toBe(HALF)
    expect(await submitWhere(m, fresh, between)).toEqual([23, expect.any(String), null])
    h.server.setJob(hardJob({ cleanJobs: false }))
    await m.notify()
    expect(m.pendingNotifications('mining.set_difficulty')).toEqual([]) // unchanged: not repeated
  })

  it('after a lowering, the lower difficulty applies to jobs already out (ESP-Miner applies it at once)', async () => {
    const h = await startServer({ minDifficulty: 1e-12, startDifficulty: EIGHTH, vardiff: false })
    h.server.setJob(hardJob())
    const m = await h.readyMiner()
    expect((await m.notification('mining.set_difficulty')).params).toEqual([EIGHTH])
    const old = await m.notify()
    const between = (v: bigint): boolean => v > MAX_TARGET >> 3n && v <= HALF_TARGET
    expect(await submitWhere(m, old, between)).toEqual([23, expect.any(String), null])
    await m.request('mining.suggest_difficulty', [HALF])
    h.server.setJob(hardJob({ cleanJobs: false }))
    expect((await m.notification('mining.set_difficulty')).params).toEqual([HALF])
    await m.notify()
    expect(await submitWhere(m, old, between)).toBe(true)
    expect(h.solutions[0]?.difficulty).toBe(HALF)
  })
})

describe('per-payout coinbases', () => {
  it('gives each address its own coinbase, and hands over the coinbase the miner really hashed', async () => {
    const base = hardJob()
    const asked: string[] = []
    const job = {
      ...base,
      coinbaseFor: (payout: Payout) => {
        asked.push(payout.address)
        const parts = buildCoinbaseParts({ height: 900_000, extranonceSize: 12, witnessCommitment: null, payouts: [{ value: 5_000n, script: payout.script }], commitment: new Uint8Array(32) })
        return { coinb1: parts.coinb1, coinb2: parts.coinb2 }
      }
    }
    const h = await startServer({ minDifficulty: 1e-12, startDifficulty: HALF, vardiff: false })
    h.server.setJob(job)
    const alice = await h.readyMiner(`${ALICE}.a`)
    const alice2 = await h.readyMiner(`${ALICE}.b`)
    const bob = await h.readyMiner(`${BOB}.c`)
    const [na, na2, nb] = await Promise.all([alice.notify(), alice2.notify(), bob.notify()])
    const aliceScript = Buffer.from(p2wpkhScript(0x41)).toString('hex')
    const bobScript = Buffer.from(p2wpkhScript(0x42)).toString('hex')
    expect(na.coinb2).toContain(aliceScript)
    expect(na2.coinb2).toBe(na.coinb2)
    expect(nb.coinb2).toContain(bobScript)
    expect(asked).toEqual([ALICE, BOB]) // once per address
    expect(await submitWhere(bob, nb, (v) => v <= HALF_TARGET, `${BOB}.c`)).toBe(true)
    const s = h.solutions[0]
    expect(s?.address).toBe(BOB)
    expect(Buffer.from(s?.coinbase ?? []).toString('hex')).toContain(bobScript)
    expect(Buffer.from(s?.payoutScript ?? []).toString('hex')).toBe(bobScript)
  })

  it('leaves a connection without work when coinbaseFor fails for its address, and serves the rest', async () => {
    const base = hardJob()
    const job = {
      ...base,
      coinbaseFor: (payout: Payout) => {
        if (payout.address === BOB) throw new Error('no coinbase for Bob')
        return { coinb1: base.coinb1, coinb2: base.coinb2 }
      }
    }
    const h = await startServer()
    h.server.setJob(job)
    const bob = await h.readyMiner(`${BOB}.c`)
    const alice = await h.readyMiner(`${ALICE}.a`)
    expect((await alice.notify()).coinb2).toBe(Buffer.from(base.coinb2).toString('hex'))
    expect((await bob.request('mining.extranonce.subscribe', [])).result).toBe(true)
    expect(bob.pendingNotifications('mining.notify')).toEqual([])
    expect(h.server.stats().connections).toBe(2)
  })
})
