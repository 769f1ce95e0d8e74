/**
 * A real mainnet block through the whole path: the server encodes block 100000 as mining.notify,
 * a miner rebuilds the header from the notify fields the way cgminer does, gets the real block hash,
 * submits the real nonce, and the server hands over exactly the real header as a block.
 */
import { describe, expect, it } from 'vitest'
import { fromHex } from '../../../src/bitcoin/bytes.js'
import { hashFromHex, hashToHex } from '../../../src/bitcoin/hash.js'
import { coinbaseMerkleBranch } from '../../../src/bitcoin/merkle.js'
import { bitsToTarget } from '../../../src/bitcoin/target.js'
import type { StratumJob } from '../../../src/stratum/types.js'
import { startServer } from './support/harness.js'
import { minerHeader, sha256dBytes } from './support/test-miner.js'
import { addressFor } from './support/fixtures.js'

// Block 100000 (000000000003ba27aa200b1cecaad478d2b00432346c3f1f3986da1afd33e506).
const BLOCK_HASH = '000000000003ba27aa200b1cecaad478d2b00432346c3f1f3986da1afd33e506'
const PREV_HASH = '000000000002d01c1fccc21636b607dfd930d31d01c3a62104612a1719011250'
const TIME = 1293623863
const BITS = 0x1b04864c
const NONCE = 274148111
const COINBASE =
  '01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff08044c86041b020602ffffffff0100f2052a010000004341041b0e8c2567c12536aa13357b79a073dc4444acb83c4ec7a0e2f99dd7457516c5817242da796924ca4e99947d087fedf9ce467cb9f7c6287078f801df276fdf84ac00000000'
const OTHER_TXIDS = [
  'fff2525b8931402dd09222c50775608f75787bd2b87e56995a7bdd30f79702c4',
  '6359f0868171b1d194cbee1af2f16ea598ae8fad666d9b012c8ed2b79a236ec4',
  'e9a66845e05d5abc0ad04ec80f774a7e585c6e8db975962d069a522137b80c1d'
]
// scriptSig 08 | 04 4c86041b | 02 0602: extranonce1 = 4c86041b, extranonce2 = 0206 (push 2 + first byte).
const SCRIPTSIG_AT = COINBASE.indexOf('08044c86041b') + 4
const COINB1 = COINBASE.slice(0, SCRIPTSIG_AT)
const EXTRANONCE1 = '4c86041b'
const EXTRANONCE2 = '0206'
const COINB2 = COINBASE.slice(SCRIPTSIG_AT + 12)

function block100000Job(): StratumJob {
  return {
    id: 'block-100000',
    prevHash: hashFromHex(PREV_HASH),
    coinb1: fromHex(COINB1),
    coinb2: fromHex(COINB2),
    merkleBranch: coinbaseMerkleBranch(OTHER_TXIDS.map((t) => hashFromHex(t))),
    version: 1,
    bits: BITS,
    time: TIME,
    cleanJobs: true,
    blockTarget: bitsToTarget(BITS),
    shareTarget: bitsToTarget(BITS)
  }
}

describe('block 100000 through mining.notify and mining.submit', () => {
  it('rebuilds, cgminer-style, the real header from the notify fields, and the server hands it over', async () => {
    expect(COINB1 + EXTRANONCE1 + EXTRANONCE2 + COINB2).toBe(COINBASE)
    const h = await startServer({ extranonce1Size: 4, extranonce2Size: 2, minDifficulty: 1e-12, startDifficulty: 1e-12, vardiff: false, ntimeFutureLimitSec: 7000 })
    h.server.setJob(block100000Job())
    const m = await h.miner()
    const sub = await m.request('mining.subscribe', ['cgminer/4.12.1', EXTRANONCE1])
    expect(sub.result).toEqual([expect.any(Array), EXTRANONCE1, 2])
    expect((await m.request('mining.authorize', [addressFor(0x51), 'x'])).result).toBe(true)
    const notify = await m.notify()
    // the display hex's 4-byte words in reverse order
    expect(notify.prevHash).toBe('1901125004612a1701c3a621d930d31d36b607df1fccc2160002d01c00000000')
    expect([notify.version, notify.bits, notify.time]).toEqual(['00000001', '1b04864c', '4d1b2237'])

    const nonce = NONCE.toString(16).padStart(8, '0')
    const header = minerHeader(notify, EXTRANONCE1, EXTRANONCE2, notify.time, nonce)
    expect(hashToHex(sha256dBytes(header))).toBe(BLOCK_HASH)

    // The ntime of 2010 is far outside the window: a block is handed over regardless.
    const reply = await m.request('mining.submit', [addressFor(0x51), notify.jobId, EXTRANONCE2, notify.time, nonce])
    expect(reply.result).toBe(true)
    expect(h.solutions).toHaveLength(1)
    const s = h.solutions[0]
    expect(s?.kind).toBe('block')
    expect(hashToHex(s?.hash ?? new Uint8Array(32))).toBe(BLOCK_HASH)
    expect(Buffer.from(s?.header ?? []).toString('hex')).toBe(Buffer.from(header).toString('hex'))
    expect(Buffer.from(s?.coinbase ?? []).toString('hex')).toBe(COINBASE)
    expect(s?.job.id).toBe('block-100000')
  })
})
