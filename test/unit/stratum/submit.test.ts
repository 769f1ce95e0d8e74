import { describe, expect, it } from 'vitest'
import { difficultyToTarget, MAX_TARGET } from '../../../src/bitcoin/target.js'
import { parseUsername } from '../../../src/stratum/credentials.js'
import { difficulty } from '../../../src/stratum/difficulty.js'
import { JobBook, type JobRecord } from '../../../src/stratum/jobs.js'
import { evaluateSubmit, type SentJob, type SubmitContext, type SubmitOutcome } from '../../../src/stratum/submit.js'
import type { StratumJob } from '../../../src/stratum/types.js'
import { addressFor, makeJob } from './support/fixtures.js'
import { findNonce, parseNotify, type Notify } from './support/test-miner.js'

const USER = `${addressFor(0x31)}.rig`
const EN1 = 'a1b2c3d4'
const EN2 = '0000000000000001'
const NOW = 1_700_000_000
// 1 in 64 hashes is a block, 1 in 8 a share, 1 in 2 meets the session difficulty.
const BLOCK = MAX_TARGET >> 6n
const SHARE = MAX_TARGET >> 3n
const HALF = 2 ** -31 // difficulty whose target is ~MAX / 2
const EIGHTH = 2 ** -28 // ~MAX / 16
// The server's exact target for HALF: a little under MAX / 2, as difficultyToTarget rounds.
const HALF_TARGET = difficultyToTarget(HALF)

interface Setup {
  book: JobBook
  record: JobRecord
  notify: Notify
  ctx: SubmitContext
  sent: SentJob
  submit: (params: unknown[]) => SubmitOutcome
}

function setup(over: Partial<StratumJob> = {}, sentDifficulty = HALF, toldDifficulty = HALF): Setup {
  const book = new JobBook(8, 12)
  const record = book.add(makeJob({ blockTarget: BLOCK, shareTarget: SHARE, time: NOW - 60, ...over }))
  const notify = parseNotify(JSON.parse(record.notifyLine(record.wireId, null, true)).params as unknown[])
  const sent: SentJob = { record, difficulty: difficulty(sentDifficulty) }
  const parsed = parseUsername(USER, 'mainnet')
  if (!parsed.ok) throw new Error(parsed.message)
  const credentials = parsed.value
  const ctx: SubmitContext = {
    subscribed: true,
    extranonce1: new Uint8Array(Buffer.from(EN1, 'hex')),
    extranonce2Size: 8,
    versionMask: 0x1fffe000,
    payout: { address: credentials.address, script: credentials.script },
    worker: (u) => (u === USER ? credentials : undefined),
    sentJob: (id) => (id === record.wireId ? sent : undefined),
    difficulty: difficulty(toldDifficulty),
    isStale: (r) => book.isStale(r),
    nowSec: NOW,
    ntimeFutureLimitSec: 7000
  }
  return { book, record, notify, ctx, sent, submit: (params) => evaluateSubmit(params, ctx) }
}

function nonceWhere(s: Setup, ok: (v: bigint) => boolean, version?: string): { nonce: string; header: Uint8Array } {
  return findNonce(s.notify, EN1, EN2, ok, 0, version)
}

function errorOf(o: SubmitOutcome): [number, string] | null {
  const r = o.type === 'accepted' ? null : o.rejection
  return r === null ? null : [r.code, r.reason]
}

describe('mining.submit evaluation order', () => {
  it('reports the first failing check when several fail', () => {
    const s = setup()
    const good = [USER, s.record.wireId, EN2, s.notify.time, '00000000']
    expect(errorOf(s.submit([USER, s.record.wireId, EN2, s.notify.time]))).toEqual([20, 'bad-params'])
    expect(errorOf(s.submit([USER, 5, EN2, s.notify.time, '0']))).toEqual([20, 'bad-params'])
    expect(errorOf(evaluateSubmit(['nobody', 'nojob', 'x', 'y', 'z'], { ...s.ctx, subscribed: false }))).toEqual([25, 'not-subscribed'])
    expect(errorOf(s.submit(['nobody', 'nojob', 'x', 'y', 'z']))).toEqual([24, 'unauthorized'])
    expect(errorOf(s.submit([USER, 'nojob', 'x', 'y', 'z']))).toEqual([21, 'job-not-found'])
    expect(errorOf(s.submit([USER, s.record.wireId, '00', 'y', 'z']))).toEqual([20, 'extranonce2'])
    expect(errorOf(s.submit([USER, s.record.wireId, EN2 + '00', 'y', 'z']))).toEqual([20, 'extranonce2'])
    expect(errorOf(s.submit([USER, s.record.wireId, EN2, 'y', 'z']))).toEqual([20, 'bad-ntime'])
    expect(errorOf(s.submit([USER, s.record.wireId, EN2, '123456789', 'z']))).toEqual([20, 'bad-ntime'])
    expect(errorOf(s.submit([USER, s.record.wireId, EN2, s.notify.time, 'z', 'zz']))).toEqual([20, 'bad-nonce'])
    expect(errorOf(s.submit([...good, 'zz']))).toEqual([20, 'version-bits'])
    expect(errorOf(s.submit([...good, '00001000']))).toEqual([20, 'version-bits'])
  })

  it('explains a version-bits refusal: outside the mask, or rolling never negotiated', () => {
    const s = setup()
    const good = [USER, s.record.wireId, EN2, s.notify.time, '00000000']
    const outside = s.submit([...good, '00001000'])
    expect(outside.type === 'rejected' && outside.rejection.message).toBe('version bits 00001000 fall outside the negotiated mask 1fffe000')
    const none = evaluateSubmit([...good, '00002000'], { ...s.ctx, versionMask: 0 })
    expect(none.type === 'rejected' && none.rejection.message).toMatch(/not negotiated/)
  })

  it('hands a block over even on a stale job, with an ntime out of range, or as a duplicate', () => {
    const s = setup()
    const { nonce, header } = nonceWhere(s, (v) => v <= BLOCK)
    const params = [USER, s.record.wireId, EN2, s.notify.time, nonce]
    const first = s.submit(params)
    expect(first.type).toBe('block')
    if (first.type !== 'block') return
    expect(first.rejection).toBeNull()
    expect(Buffer.from(first.solution.header).equals(Buffer.from(header))).toBe(true) // miner and server agree
    expect(first.solution).toMatchObject({ kind: 'block', stale: false, worker: 'rig', address: USER.split('.')[0] })
    const again = s.submit(params)
    expect(again.type === 'block' && again.rejection?.reason).toBe('duplicate')

    const late = setup({ time: NOW - 60 })
    const early = nonceWhere(late, (v) => v <= BLOCK)
    late.book.add(makeJob({ cleanJobs: true }))
    const stale = late.submit([USER, late.record.wireId, EN2, late.notify.time, early.nonce])
    expect(stale.type).toBe('block')
    expect(stale.type === 'block' && [stale.rejection?.reason, stale.solution.stale]).toEqual(['stale', true])

    const future = setup()
    const ntime = (NOW + 7001).toString(16)
    const found = findNonce({ ...future.notify, time: ntime }, EN1, EN2, (v) => v <= BLOCK)
    const outcome = future.submit([USER, future.record.wireId, EN2, ntime, found.nonce])
    expect(outcome.type === 'block' && outcome.rejection?.reason).toBe('ntime-range')
  })

  it('rejects non-blocks on a stale job (21), out-of-range ntime (20), duplicates (22), low difficulty (23)', () => {
    const s = setup()
    const pseudo = nonceWhere(s, (v) => v > SHARE && v <= HALF_TARGET)
    const params = [USER, s.record.wireId, EN2, s.notify.time, pseudo.nonce]
    expect(s.submit(params).type).toBe('accepted')
    expect(errorOf(s.submit(params))).toEqual([22, 'duplicate'])

    const low = nonceWhere(s, (v) => v > (MAX_TARGET >> 1n) + (MAX_TARGET >> 4n))
    const lowOutcome = s.submit([USER, s.record.wireId, EN2, s.notify.time, low.nonce])
    expect(errorOf(lowOutcome)).toEqual([23, 'low-difficulty'])
    expect(lowOutcome.type === 'rejected' && lowOutcome.rejection.message).toMatch(/^low difficulty share \(.+ < 4\.65661e-10\)$/)

    const before = (NOW - 61).toString(16)
    const b = findNonce({ ...s.notify, time: before }, EN1, EN2, (v) => v > BLOCK)
    expect(errorOf(s.submit([USER, s.record.wireId, EN2, before, b.nonce]))).toEqual([20, 'ntime-range'])
    const edge = (NOW + 7000).toString(16)
    const e = findNonce({ ...s.notify, time: edge }, EN1, EN2, (v) => v > SHARE && v <= HALF_TARGET)
    expect(s.submit([USER, s.record.wireId, EN2, edge, e.nonce]).type).toBe('accepted')

    const share = nonceWhere(s, (v) => v > BLOCK && v <= SHARE)
    s.book.add(makeJob({ cleanJobs: true }))
    expect(errorOf(s.submit([USER, s.record.wireId, EN2, s.notify.time, share.nonce]))).toEqual([21, 'stale'])
  })

  it('calls a job that was pushed out of the book "job not found"', () => {
    const s = setup()
    for (let i = 0; i < 8; i++) s.book.add(makeJob({ cleanJobs: false }))
    expect(s.record.live).toBe(false)
    expect(errorOf(s.submit([USER, s.record.wireId, EN2, s.notify.time, '0']))).toEqual([21, 'job-not-found'])
  })
})

describe('mining.submit classification and difficulty', () => {
  it('classifies by the job targets, then the session difficulty', () => {
    const s = setup()
    const share = nonceWhere(s, (v) => v > BLOCK && v <= SHARE)
    const r = s.submit([USER, s.record.wireId, EN2, s.notify.time, share.nonce])
    expect(r.type === 'accepted' && [r.solution.kind, r.solution.difficulty]).toEqual(['share', HALF])
    const pseudo = nonceWhere(s, (v) => v > SHARE && v <= HALF_TARGET)
    const p = s.submit([USER, s.record.wireId, EN2, s.notify.time, pseudo.nonce])
    expect(p.type === 'accepted' && p.solution.kind).toBe('pseudo')
  })

  it('counts a share at the lower of the job-time and current difficulty (point 11)', () => {
    // A pseudo-share hash between MAX/8 and MAX/4: enough at HALF (~MAX/2), not at EIGHTH (~MAX/16).
    const inBetween = (v: bigint): boolean => v > SHARE && v <= MAX_TARGET >> 2n
    const raised = setup({}, HALF, EIGHTH) // job sent at HALF, difficulty raised since: old job keeps HALF
    const a = nonceWhere(raised, inBetween)
    const ra = raised.submit([USER, raised.record.wireId, EN2, raised.notify.time, a.nonce])
    expect(ra.type === 'accepted' && ra.solution.difficulty).toBe(HALF)

    const lowered = setup({}, EIGHTH, HALF) // job sent at EIGHTH, lowered since: the lower applies at once
    const b = nonceWhere(lowered, inBetween)
    const lb = lowered.submit([USER, lowered.record.wireId, EN2, lowered.notify.time, b.nonce])
    expect(lb.type === 'accepted' && lb.solution.difficulty).toBe(HALF)

    const steady = setup({}, EIGHTH, EIGHTH)
    const c = nonceWhere(steady, inBetween)
    expect(errorOf(steady.submit([USER, steady.record.wireId, EN2, steady.notify.time, c.nonce]))).toEqual([23, 'low-difficulty'])
  })

  it('builds nVersion = (job & ~mask) | (bits & mask) into the header', () => {
    const s = setup({ version: 0x20000004 })
    const rolled = '20002004'
    const { nonce, header } = nonceWhere(s, (v) => v <= HALF_TARGET && v > SHARE, rolled)
    const r = s.submit([USER, s.record.wireId, EN2, s.notify.time, nonce, '00002000'])
    expect(r.type).toBe('accepted')
    if (r.type !== 'accepted') return
    expect(Buffer.from(r.solution.header).equals(Buffer.from(header))).toBe(true)
    expect(Buffer.from(r.solution.header.subarray(0, 4)).toString('hex')).toBe('04200020')
    expect(Buffer.from(r.solution.coinbase).toString('hex')).toBe(s.notify.coinb1 + EN1 + EN2 + s.notify.coinb2)
  })
})
