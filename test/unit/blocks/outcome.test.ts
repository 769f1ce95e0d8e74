/**
 * Issue 13 item 4: Core's submitblock answers classified, and each logged as what it is: a race
 * lost (inconclusive, duplicate-inconclusive, stale-prevblk) is an info line, never "rejected";
 * only an invalid block is an error line (the one the operator guide says to alert on).
 */
import { describe, expect, it } from 'vitest'
import { RpcConnectionError, RpcError, RpcTimeoutError, RpcWarmupError } from '../../../src/bitcoin/rpc.js'
import { classifyAnswer, classifyFailure } from '../../../src/bitcoin/submit-outcome.js'
import { blockLogLine } from '../../../src/blocks/messages.js'
import type { FoundBlockRecord, BlockStatus } from '../../../src/blocks/store.js'

function record(status: BlockStatus, reason: string | null): FoundBlockRecord {
  return { hash: 'ab'.repeat(32), height: 800_000, prevHash: null, finder: null, seenAt: 0, submittedHere: true, status, reason, confirmations: null, checkedAt: 0, final: false, attempts: [], blockHex: null }
}

describe('submitblock outcomes', () => {
  it("classifies Core's answers", () => {
    expect(classifyAnswer(null)).toEqual({ kind: 'accepted' })
    expect(classifyAnswer('duplicate')).toEqual({ kind: 'duplicate' })
    for (const race of ['inconclusive', 'duplicate-inconclusive', 'stale-prevblk']) expect(classifyAnswer(race)).toEqual({ kind: 'race-lost', reason: race })
    for (const bad of ['high-hash', 'bad-txnmrklroot', 'duplicate-invalid', 'bad-prevblk', 'bad-cb-amount']) expect(classifyAnswer(bad)).toEqual({ kind: 'rejected', reason: bad })
  })

  it('calls a call without an answer unreachable, and an RPC error object a rejection', () => {
    expect(classifyFailure(new RpcConnectionError('refused', 'submitblock', true)).kind).toBe('unreachable')
    expect(classifyFailure(new RpcTimeoutError('submitblock', 'h:1', 30_000)).kind).toBe('unreachable')
    expect(classifyFailure(new RpcWarmupError(-28, 'Loading block index', 'submitblock', 'h:1')).kind).toBe('unreachable')
    expect(classifyFailure(new RpcError(-22, 'Block decode failed', 'submitblock', 'h:1'))).toEqual({ kind: 'rejected', reason: 'RPC error -22: Block decode failed' })
  })

  it('logs a lost race as info naming the answer, an invalid block as an error', () => {
    for (const race of ['inconclusive', 'duplicate-inconclusive', 'stale-prevblk']) {
      const line = blockLogLine({ record: record('race-lost', race), previous: null, cause: 'submit' })
      expect(line?.level).toBe('info')
      expect(line?.message).toContain(`lost a race: bitcoind answered '${race}'`)
      expect(line?.message).not.toContain('rejected')
    }
    expect(blockLogLine({ record: record('rejected', 'high-hash'), previous: null, cause: 'submit' })).toEqual({ level: 'error', message: expect.stringContaining('rejected by bitcoind as invalid: high-hash') })
    expect(blockLogLine({ record: record('unsubmitted', 'connection refused'), previous: null, cause: 'submit' })?.level).toBe('warn')
    expect(blockLogLine({ record: record('unsubmitted', 'connection refused'), previous: 'unsubmitted', cause: 'resubmit' })).toBeNull()
    expect(blockLogLine({ record: record('abandoned', "bitcoind's chain moved past it"), previous: 'unsubmitted', cause: 'abandon' })).toEqual({ level: 'warn', message: expect.stringContaining("abandoned: bitcoind's chain moved past it") })
  })
})
