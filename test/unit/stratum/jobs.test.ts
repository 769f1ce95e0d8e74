import { describe, expect, it } from 'vitest'
import { buildCoinbaseParts } from '../../../src/bitcoin/coinbase.js'
import { hashToHex } from '../../../src/bitcoin/hash.js'
import { checkJob } from '../../../src/stratum/job-check.js'
import { JobBook } from '../../../src/stratum/jobs.js'
import type { Payout } from '../../../src/stratum/types.js'
import { addressFor, makeJob, p2wpkhScript } from './support/fixtures.js'
import { parseNotify } from './support/test-miner.js'

describe('job checks', () => {
  it('accepts a consistent job', () => {
    expect(() => checkJob(makeJob(), 12)).not.toThrow()
  })

  it('refuses coinbase halves built for another extranonce size', () => {
    // The scriptSig length byte counts 12 bytes of extranonce; the server would leave 8 or 16.
    expect(() => checkJob(makeJob({ extranonceSize: 12 }), 8)).toThrow(/do not fit an extranonce of 8 bytes/)
    expect(() => checkJob(makeJob({ extranonceSize: 12 }), 16)).toThrow(/do not fit an extranonce of 16 bytes/)
  })

  it('refuses a segwit-serialized coinbase and junk halves', () => {
    const j = makeJob()
    const segwit = Uint8Array.from([...j.coinb1.subarray(0, 4), 0x00, 0x01, ...j.coinb1.subarray(4)])
    expect(() => checkJob({ ...j, coinb1: segwit }, 12)).toThrow(/exactly one input/)
    expect(() => checkJob({ ...j, coinb2: j.coinb2.subarray(0, 10) }, 12)).toThrow(/cut short/)
    expect(() => checkJob({ ...j, coinb2: Uint8Array.from([...j.coinb2, 0]) }, 12)).toThrow(/1 bytes left/)
  })

  it('refuses malformed fields', () => {
    const j = makeJob()
    expect(() => checkJob({ ...j, prevHash: new Uint8Array(31) }, 12)).toThrow(/prevHash/)
    expect(() => checkJob({ ...j, merkleBranch: [new Uint8Array(33)] }, 12)).toThrow(/merkle/)
    expect(() => checkJob({ ...j, bits: -1 }, 12)).toThrow(/bits/)
    expect(() => checkJob({ ...j, time: 2 ** 32 }, 12)).toThrow(/time/)
    expect(() => checkJob({ ...j, shareTarget: 0n }, 12)).toThrow(/shareTarget/)
    // a share target harder than the block target is legal (regtest blocks are easier than shares)
    expect(() => checkJob({ ...j, shareTarget: j.blockTarget - 1n }, 12)).not.toThrow()
  })
})

describe('mining.notify encoding', () => {
  it('word-swaps prevhash and pads version, nbits and ntime to 8 big-endian hex digits', () => {
    const book = new JobBook(4, 12)
    const prevHash = Uint8Array.from({ length: 32 }, (_, i) => i) // internal order 00 01 02 ... 1f
    const record = book.add(makeJob({ prevHash, version: 0x4, bits: 0x1d00ffff, time: 0x5 }))
    const msg = JSON.parse(record.notifyLine(record.wireId, null, true)) as { id: null; method: string; params: unknown[] }
    expect(msg.id).toBeNull()
    expect(msg.method).toBe('mining.notify')
    const n = parseNotify(msg.params)
    expect(n.prevHash).toBe('03020100070605040b0a09080f0e0d0c13121110171615141b1a19181f1e1d1c')
    // the same rule seen from the display hex: reverse the order of the 4-byte words
    const display = hashToHex(prevHash)
    const words = display.match(/.{8}/g) as string[]
    expect(n.prevHash).toBe(words.reverse().join(''))
    expect([n.version, n.bits, n.time, n.clean]).toEqual(['00000004', '1d00ffff', '00000005', true])
    expect(n.coinb1).toBe(Buffer.from(record.job.coinb1).toString('hex'))
    expect(n.branch).toEqual(record.job.merkleBranch.map((h) => Buffer.from(h).toString('hex')))
    const resend = JSON.parse(record.notifyLine('ab', null, false)) as { params: unknown[] }
    expect(resend.params[0]).toBe('ab')
    expect(resend.params.slice(-1)).toEqual([false])
    book.add(makeJob({ cleanJobs: false })) // superseded: its encoding is dropped, rebuilt on demand
    expect(record.notifyLine(record.wireId, null, true)).toBe(JSON.stringify(msg) + '\n')
  })
})

describe('JobBook', () => {
  it('mints short unique wire ids and makes older jobs stale on a clean job only', () => {
    const book = new JobBook(8, 12)
    const a = book.add(makeJob({ cleanJobs: true }))
    const b = book.add(makeJob({ cleanJobs: false }))
    expect(a.wireId).not.toBe(b.wireId)
    expect([book.isStale(a), book.isStale(b)]).toEqual([false, false])
    expect(a.seen).not.toBeNull()
    const c = book.add(makeJob({ cleanJobs: true }))
    expect([book.isStale(a), book.isStale(b), book.isStale(c)]).toEqual([true, true, false])
    expect(a.seen).toBeNull() // stale jobs never reach the duplicate check: memory freed
    expect(book.current).toBe(c)
  })

  it('keeps at most maxJobs; evicted ones are no longer live', () => {
    const book = new JobBook(2, 12)
    const records = [1, 2, 3].map(() => book.add(makeJob({ cleanJobs: false })))
    expect(book.size).toBe(2)
    expect(records.map((r) => r.live)).toEqual([false, true, true])
  })

  it('asks coinbaseFor once per job and payout address, and checks what it returns', () => {
    const calls: string[] = []
    const base = makeJob()
    const book = new JobBook(4, 12)
    const record = book.add({
      ...base,
      coinbaseFor: (payout: Payout) => {
        calls.push(payout.address)
        const parts = buildCoinbaseParts({ height: 900_000, extranonceSize: 12, witnessCommitment: null, payouts: [{ value: 1n, script: payout.script }], commitment: new Uint8Array(32) })
        return { coinb1: parts.coinb1, coinb2: parts.coinb2 }
      }
    })
    const alice = { address: addressFor(1), script: p2wpkhScript(1) }
    const bob = { address: addressFor(2), script: p2wpkhScript(2) }
    const a1 = record.coinbaseFor(alice)
    expect(record.coinbaseFor(alice)).toBe(a1)
    const b1 = record.coinbaseFor(bob)
    expect(calls).toEqual([alice.address, bob.address])
    expect(Buffer.from(b1.coinb2).includes(Buffer.from(bob.script))).toBe(true)
    expect(Buffer.from(a1.coinb2).includes(Buffer.from(bob.script))).toBe(false)

    const broken = book.add({ ...base, coinbaseFor: () => ({ coinb1: base.coinb1, coinb2: new Uint8Array(3) }) })
    expect(() => broken.coinbaseFor(alice)).toThrow(/cut short/)
  })
})
