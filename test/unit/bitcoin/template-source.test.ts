/**
 * TemplateSource's own logic against a scripted RPC (no node): bad templates, ordering of
 * overlapping fetches, coalescing, and a clean close. The node-backed tests are in
 * test/integration/bitcoin/template-source.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { RpcAbortedError, type CallOptions } from '../../../src/bitcoin/rpc.js'
import { TemplateError } from '../../../src/bitcoin/template.js'
import { TemplateSource, type SourceStatus, type TemplateRpc, type TemplateUpdate } from '../../../src/bitcoin/template-source.js'
import { hashToHex } from '../../../src/bitcoin/hash.js'

const HASH_A = 'aa'.repeat(32)
const HASH_B = 'bb'.repeat(32)

function gbt(prev: string, height: number): Record<string, unknown> {
  return { version: 0x20000000, rules: ['!segwit'], previousblockhash: prev, transactions: [], coinbasevalue: 5_000_000_000, bits: '207fffff', curtime: 1_700_000_000, height, longpollid: prev + '0' }
}

/** Every getblocktemplate call waits until the test answers it. */
class ScriptedRpc implements TemplateRpc {
  readonly calls: Array<{ longpollId: string | undefined; answer(value: Record<string, unknown>): void }> = []
  best = HASH_A

  getBlockTemplate(request: { longpollId?: string } = {}, options: CallOptions = {}): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      options.signal?.addEventListener('abort', () => reject(new RpcAbortedError('aborted', 'getblocktemplate')), { once: true })
      this.calls.push({ longpollId: request.longpollId, answer: resolve })
    })
  }

  async getBestBlockHash(): Promise<string> {
    return this.best
  }

  /** The n-th call, once it has been made. */
  async call(n: number): Promise<ScriptedRpc['calls'][number]> {
    while (this.calls.length <= n) await new Promise((resolve) => setTimeout(resolve, 2))
    return this.calls[n] as ScriptedRpc['calls'][number]
  }
}

const sources: TemplateSource[] = []
afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.close()))
})

function make(rpc: TemplateRpc, notify: 'poll' | 'longpoll' = 'poll'): { source: TemplateSource; updates: TemplateUpdate[]; statuses: SourceStatus[] } {
  const source = new TemplateSource({ rpc, notify, normalize: { reservedWeight: 4000, reservedSigops: 400 }, pollIntervalMs: 60_000, refreshIntervalMs: 60_000, retryMinMs: 5, retryMaxMs: 20 })
  sources.push(source)
  const updates: TemplateUpdate[] = []
  const statuses: SourceStatus[] = []
  source.on('template', (u) => updates.push(u))
  source.on('status', (s) => statuses.push(s))
  return { source, updates, statuses }
}

describe('TemplateSource', () => {
  it('survives a malformed template with no error listener: lost, then regained', async () => {
    const rpc = new ScriptedRpc()
    const { source, updates, statuses } = make(rpc)
    const started = source.start()
    ;(await rpc.call(0)).answer({ height: 'garbage' })
    ;(await rpc.call(1)).answer(gbt(HASH_A, 10))
    await started
    expect(statuses.map((s) => s.state)).toEqual(['lost', 'regained'])
    expect(statuses[0]?.error).toBeInstanceOf(TemplateError)
    expect(statuses[0]?.error?.message).toMatch(/getblocktemplate\.height/)
    expect(updates.map((u) => [u.reason, u.newBlock])).toEqual([['start', true]])
  })

  it('emits every unusable template on "error" when someone listens', async () => {
    const rpc = new ScriptedRpc()
    const { source } = make(rpc)
    const errors: Error[] = []
    source.on('error', (e) => errors.push(e))
    const started = source.start()
    ;(await rpc.call(0)).answer({})
    ;(await rpc.call(1)).answer({ ...gbt(HASH_A, 10), bits: 'nope' })
    ;(await rpc.call(2)).answer(gbt(HASH_A, 10))
    await started
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/height/), expect.stringMatching(/bits/)])
  })

  it('coalesces refresh requests made while a fetch is in flight', async () => {
    const rpc = new ScriptedRpc()
    const { source, updates } = make(rpc)
    const started = source.start()
    const first = await rpc.call(0)
    for (let i = 0; i < 10; i++) source.refresh()
    first.answer(gbt(HASH_A, 10))
    await started
    ;(await rpc.call(1)).answer(gbt(HASH_A, 10))
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(rpc.calls).toHaveLength(2)
    expect(updates.map((u) => u.reason)).toEqual(['start', 'refresh'])
  })

  it('drops a snapshot older than the one applied (a refresh overtaken by a longpoll)', async () => {
    const rpc = new ScriptedRpc()
    const { source, updates } = make(rpc, 'longpoll')
    const started = source.start()
    ;(await rpc.call(0)).answer(gbt(HASH_A, 10))
    await started
    const longpoll = await rpc.call(1)
    expect(longpoll.longpollId).toBe(HASH_A + '0')
    source.refresh()
    const refresh = await rpc.call(2)
    longpoll.answer(gbt(HASH_B, 11)) // the new block arrives through the longpoll first
    await rpc.call(3) // the next longpoll is out: the first answer has been applied
    refresh.answer(gbt(HASH_A, 10)) // the refresh was asked before the block: stale
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(updates.map((u) => [u.reason, u.newBlock, u.template.height])).toEqual([
      ['start', true, 10],
      ['longpoll', true, 11]
    ])
    expect(hashToHex(source.template?.prevHash as Uint8Array)).toBe(HASH_B)
    expect(source.stats.newBlocks).toBe(1)
  })

  it('closes cleanly with calls in flight, and start() then resolves', async () => {
    const rpc = new ScriptedRpc()
    const { source, updates, statuses } = make(rpc)
    const started = source.start()
    await rpc.call(0)
    await source.close()
    await started
    expect(updates).toEqual([])
    expect(statuses).toEqual([])
    source.refresh() // no effect after close
    expect(rpc.calls).toHaveLength(1)
  })

  it('refuses inconsistent options', () => {
    const rpc = new ScriptedRpc()
    const normalize = { reservedWeight: 4000, reservedSigops: 400 }
    expect(() => new TemplateSource({ rpc, normalize, notify: 'zmq' })).toThrow(/needs a zmqUrl/)
    expect(() => new TemplateSource({ rpc, normalize, pollIntervalMs: 0 })).toThrow(/pollIntervalMs/)
  })
})
