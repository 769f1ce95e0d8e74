/** The line protocol over real TCP on 127.0.0.1. */
import { describe, expect, it } from 'vitest'
import { startServer } from './support/harness.js'
import { until } from './support/test-miner.js'

describe('stratum line protocol', () => {
  it('replies to every request echoing its id, errors as [code, message, null]', async () => {
    const h = await startServer()
    const m = await h.miner()
    expect(await m.request('mining.extranonce.subscribe', [], 41)).toEqual({ id: 41, result: true, error: null })
    expect(await m.request('mining.extranonce.subscribe', [], 'abc')).toEqual({ id: 'abc', result: true, error: null })
    expect(await m.request('mining.frobnicate', [], 7)).toEqual({ id: 7, result: null, error: [20, 'unknown method', null] })
    expect((await m.request('mining.get_transactions', ['1'], 8)).error).toEqual([20, 'mining.get_transactions is not supported', null])
    expect((await m.request('mining.submit', [], 9)).error?.toString()).toMatch(/^20,mining.submit params/)
  })

  it('answers malformed JSON with id null and drops the connection after maxBadLines of them', async () => {
    const h = await startServer({ maxBadLines: 3 })
    const m = await h.miner()
    m.sendRaw('{"id": 1, "method": \n')
    m.sendRaw('[1,2,3]\n')
    await until(() => m.received.length === 2)
    expect(m.isClosed).toBe(false)
    expect(await m.request('mining.extranonce.subscribe')).toMatchObject({ result: true })
    m.sendRaw('not json at all\n')
    await m.closed
    const errors = m.received.map((r) => [r.id, (r.error as unknown[] | undefined)?.[0]])
    expect(errors.slice(0, 4)).toEqual([
      [null, 20],
      [null, 20],
      [1, undefined],
      [null, 20]
    ])
    expect(m.received[0]?.error).toEqual([20, 'malformed JSON', null])
    // Before the close, the miner is told why (client.show_message).
    expect(m.received[4]).toMatchObject({ method: 'client.show_message', params: [expect.stringMatching(/too many malformed lines \(maxBadLines\)/)] })
  })

  it('ignores blank lines and miner responses without counting them as bad', async () => {
    const h = await startServer({ maxBadLines: 1 })
    const m = await h.miner()
    m.sendRaw('\r\n\n{"id":5,"result":"cgminer","error":null}\n')
    expect(await m.request('mining.extranonce.subscribe', [], 6)).toMatchObject({ id: 6, result: true })
    expect(m.received).toHaveLength(1)
  })

  it('drops a connection whose line exceeds maxLineBytes, newline or not', async () => {
    const h = await startServer({ maxLineBytes: 1024 })
    const a = await h.miner()
    a.sendRaw(`{"id":1,"method":"mining.subscribe","params":["${'x'.repeat(1100)}"]}\n`)
    await a.closed
    expect(a.received).toEqual([expect.objectContaining({ method: 'client.show_message', params: [expect.stringMatching(/line too long \(maxLineBytes\)/)] })])
    const b = await h.miner()
    b.sendRaw('x'.repeat(4096)) // no newline ever
    await b.closed
    const c = await h.miner() // a line just under the limit is fine
    expect(await c.request('mining.subscribe', ['y'.repeat(900)])).toMatchObject({ error: null })
  })

  it('handles requests split across packets and several in one packet', async () => {
    const h = await startServer()
    const m = await h.miner()
    const line = JSON.stringify({ id: 1, method: 'mining.extranonce.subscribe', params: [] })
    m.sendRaw(line.slice(0, 10))
    await new Promise((r) => setTimeout(r, 20))
    m.sendRaw(line.slice(10) + '\n' + JSON.stringify({ id: 2, method: 'x', params: [] }) + '\n')
    const deadline = Date.now() + 5000
    while (m.received.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
    expect(m.received.map((r) => r.id)).toEqual([1, 2])
  })
})
