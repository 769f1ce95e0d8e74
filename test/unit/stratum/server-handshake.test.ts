/** subscribe, authorize, configure and difficulty suggestions over real TCP. */
import { describe, expect, it } from 'vitest'
import { addressFor, makeJob } from './support/fixtures.js'
import { ALICE, BOB, startServer } from './support/harness.js'
import { until } from './support/test-miner.js'

describe('mining.subscribe', () => {
  it('replies [[["mining.set_difficulty", id], ["mining.notify", id]], extranonce1, extranonce2_size]', async () => {
    const h = await startServer()
    const m = await h.miner()
    const r = await m.request('mining.subscribe', ['cgminer/4.12.1'])
    expect(r.result).toEqual([
      [
        ['mining.set_difficulty', '00000100'],
        ['mining.notify', '00000100']
      ],
      '00000100',
      8
    ])
    expect((await m.request('mining.subscribe', [])).result).toEqual(r.result) // repeated: same session
    expect(h.server.sessionStats()[0]?.userAgent).toBe('cgminer/4.12.1')
  })

  it('gives every live connection its own extranonce1 and honours configured sizes', async () => {
    const h = await startServer({ extranonce1Size: 2, extranonce2Size: 4 })
    const miners = await Promise.all(Array.from({ length: 12 }, () => h.miner()))
    const replies = await Promise.all(miners.map((m) => m.request('mining.subscribe', [])))
    const en1s = replies.map((r) => (r.result as unknown[])[1] as string)
    expect(new Set(en1s).size).toBe(12)
    for (const en1 of en1s) expect(en1).toMatch(/^[0-9a-f]{4}$/)
    expect(replies.every((r) => (r.result as unknown[])[2] === 4)).toBe(true)
  })

  it('resumes a session’s extranonce1 when it is free, never when a live session holds it', async () => {
    const h = await startServer()
    const a = await h.miner()
    const first = ((await a.request('mining.subscribe', [])).result as unknown[])[1] as string
    const b = await h.miner()
    const clash = ((await b.request('mining.subscribe', ['x', first])).result as unknown[])[1]
    expect(clash).not.toBe(first)
    await a.close()
    await until(() => h.server.stats().connections === 1)
    const c = await h.miner()
    expect(((await c.request('mining.subscribe', ['x', first])).result as unknown[])[1]).toBe(first)
  })
})

describe('mining.authorize', () => {
  it('accepts ADDRESS.worker and sends set_difficulty then the current job', async () => {
    const h = await startServer({ startDifficulty: 2048 })
    h.server.setJob(makeJob())
    const m = await h.miner()
    await m.request('mining.subscribe', [])
    expect(await m.request('mining.authorize', [`${ALICE}.rig1`, 'x'], 2)).toEqual({ id: 2, result: true, error: null })
    const diff = await m.notification()
    expect(diff).toMatchObject({ method: 'mining.set_difficulty', params: [2048] })
    const notify = await m.notify()
    expect(notify.clean).toBe(true)
    const names = m.received.map((r) => r.method ?? `reply ${String(r.id)}`)
    expect(names).toEqual(['reply 1', 'reply 2', 'mining.set_difficulty', 'mining.notify'])
  })

  it('refuses a bad username with code 24 and a message that says why', async () => {
    const h = await startServer()
    const m = await h.miner()
    await m.request('mining.subscribe', [])
    const wrongNetwork = await m.request('mining.authorize', [`${addressFor(0x41, 'testnet')}.w`, 'x'])
    expect(wrongNetwork.error).toEqual([24, expect.stringMatching(/is for testnet.*not mainnet/), null])
    const malformed = await m.request('mining.authorize', ['1BitcoinEaterAddressDontSendf59kuF', 'x'])
    expect(malformed.error).toEqual([24, expect.stringMatching(/invalid address/), null])
    const missing = await m.request('mining.authorize', [])
    expect((missing.error as unknown[])[0]).toBe(24)
    expect(m.pendingNotifications()).toEqual([])
  })

  it('lets several workers of one address authorize on one connection, not another address', async () => {
    const h = await startServer()
    const m = await h.miner()
    await m.request('mining.subscribe', [])
    expect((await m.request('mining.authorize', [`${ALICE}.a`, 'x'])).result).toBe(true)
    expect((await m.request('mining.authorize', [`${ALICE}_b`, 'x'])).result).toBe(true)
    expect((await m.request('mining.authorize', [ALICE, 'x'])).result).toBe(true)
    const other = await m.request('mining.authorize', [`${BOB}.c`, 'x'])
    expect(other.error).toEqual([24, expect.stringMatching(/this connection mines for/), null])
    expect(h.server.sessionStats()[0]?.workers.map((w) => w.worker)).toEqual(['a', 'b', ''])
  })

  it('takes d=N from the password as a fixed difficulty, clamped to the bounds', async () => {
    const h = await startServer({ minDifficulty: 1, maxDifficulty: 1e6, startDifficulty: 64 })
    h.server.setJob(makeJob())
    const fixed = await h.readyMiner(`${ALICE}.a`, 'x,d=4096')
    expect((await fixed.notification('mining.set_difficulty')).params).toEqual([4096])
    const tooLow = await h.readyMiner(`${ALICE}.b`, 'd=0.001')
    expect((await tooLow.notification('mining.set_difficulty')).params).toEqual([1])
    const tooHigh = await h.readyMiner(`${ALICE}.c`, 'd=1e9')
    expect((await tooHigh.notification('mining.set_difficulty')).params).toEqual([1e6])
    const bad = await h.miner()
    await bad.request('mining.subscribe', [])
    expect((await bad.request('mining.authorize', [ALICE, 'd=lots'])).error).toEqual([24, expect.stringMatching(/d= must be a positive number/), null])
    expect(h.server.sessionStats().find((s) => s.difficulty === 4096)?.vardiff).toBe(false)
  })
})

describe('mining.configure', () => {
  it('is answered first, with mask = server AND miner, unknown extensions false', async () => {
    const h = await startServer()
    h.server.setJob(makeJob())
    const m = await h.miner()
    const r = await m.request('mining.configure', [['version-rolling', 'x-unknown'], { 'version-rolling.mask': 'ffffffff', 'version-rolling.min-bit-count': 2 }], 1)
    expect(r.result).toEqual({ 'version-rolling': true, 'version-rolling.mask': '1fffe000', 'x-unknown': false })
    expect(m.received[0]).toBe(r)
    await m.handshake(ALICE)
    expect(h.server.sessionStats()[0]?.versionRollingMask).toBe(0x1fffe000)
  })

  it('grants nothing when the server mask is 0', async () => {
    const h = await startServer({ versionRollingMask: 0 })
    const m = await h.miner()
    const r = await m.request('mining.configure', [['version-rolling'], { 'version-rolling.mask': 'ffffffff' }])
    expect(r.result).toEqual({ 'version-rolling': false })
  })

  it('honours minimum-difficulty as a floor', async () => {
    const h = await startServer({ startDifficulty: 16 })
    h.server.setJob(makeJob())
    const m = await h.miner()
    const r = await m.request('mining.configure', [['minimum-difficulty'], { 'minimum-difficulty.value': 512 }])
    expect(r.result).toEqual({ 'minimum-difficulty': true })
    await m.handshake(ALICE)
    expect((await m.notification('mining.set_difficulty')).params).toEqual([512])
  })
})

describe('mining.suggest_difficulty', () => {
  it('before authorize: sets the start difficulty', async () => {
    const h = await startServer()
    h.server.setJob(makeJob())
    const m = await h.miner()
    await m.request('mining.subscribe', [])
    expect((await m.request('mining.suggest_difficulty', [0.0005])).result).toBe(true)
    await m.request('mining.authorize', [ALICE, 'x'])
    expect((await m.notification('mining.set_difficulty')).params).toEqual([0.0005])
  })

  it('after authorize (ESP-Miner): applies from the next job, set_difficulty right before its notify', async () => {
    const h = await startServer({ startDifficulty: 1024 })
    h.server.setJob(makeJob())
    const m = await h.readyMiner()
    expect((await m.notification('mining.set_difficulty')).params).toEqual([1024])
    await m.notify()
    expect((await m.request('mining.suggest_difficulty', [256])).result).toBe(true)
    await m.request('mining.extranonce.subscribe', [])
    // Nothing yet: re-sending the same work under a new id would make miners repeat it.
    expect(m.pendingNotifications()).toEqual([])
    h.server.setJob(makeJob({ cleanJobs: false }))
    const diff = await m.notification('mining.set_difficulty')
    expect(diff.params).toEqual([256])
    await m.notify()
    expect(m.received[m.received.indexOf(diff) + 1]?.method).toBe('mining.notify')
    await m.request('mining.suggest_difficulty', [256]) // NerdMiner re-sends every 30 s: no new start
    h.server.setJob(makeJob({ cleanJobs: false }))
    await m.notify()
    expect(m.pendingNotifications('mining.set_difficulty')).toEqual([])
  })

  it('accepts numeric strings, refuses junk, and is ignored under a d= password', async () => {
    const h = await startServer()
    h.server.setJob(makeJob())
    const m = await h.readyMiner(ALICE, 'd=64')
    await m.notification('mining.set_difficulty')
    expect((await m.request('mining.suggest_difficulty', ['128'])).result).toBe(true)
    expect((await m.request('mining.suggest_difficulty', ['lots'])).error).toEqual([20, expect.any(String), null])
    expect((await m.request('mining.suggest_difficulty', [-1])).error?.toString()).toMatch(/^20/)
    expect(m.pendingNotifications('mining.set_difficulty')).toEqual([])
    expect(h.server.sessionStats()[0]?.difficulty).toBe(64)
  })

  it('mining.suggest_target works like a suggested difficulty', async () => {
    const h = await startServer()
    const m = await h.miner()
    await m.request('mining.subscribe', [])
    expect((await m.request('mining.suggest_target', ['00000000ffff0000000000000000000000000000000000000000000000000000'])).result).toBe(true)
    h.server.setJob(makeJob())
    await m.request('mining.authorize', [ALICE, 'x'])
    expect((await m.notification('mining.set_difficulty')).params).toEqual([1])
  })
})

describe('state checks', () => {
  it('refuses submits before subscribe (25) and from unknown workers (24)', async () => {
    const h = await startServer()
    const m = await h.miner()
    expect((await m.request('mining.submit', [ALICE, '1', '00', '00', '00'])).error).toEqual([25, 'not subscribed', null])
    await m.request('mining.subscribe', [])
    expect((await m.request('mining.submit', [ALICE, '1', '00', '00', '00'])).error).toEqual([24, expect.stringMatching(/unauthorized worker/), null])
  })
})
