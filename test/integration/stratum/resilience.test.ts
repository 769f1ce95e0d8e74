/**
 * Misbehaving miners must not disturb the others: while a well-behaved miner submits shares and
 * jobs keep coming, other connections disconnect mid-job and mid-line, flood garbage, send endless
 * lines, and open and close connections in a loop. All over real TCP on 127.0.0.1.
 */
import { connect } from 'node:net'
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { MAX_TARGET } from '../../../src/bitcoin/target.js'
import { makeJob } from '../../unit/stratum/support/fixtures.js'
import { ALICE, BOB, startServer } from '../../unit/stratum/support/harness.js'
import { findNonce, TestMiner, until } from '../../unit/stratum/support/test-miner.js'

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

async function disconnectMidJob(port: number): Promise<void> {
  const m = await TestMiner.connect(port)
  await m.handshake(`${BOB}.flaky`)
  const n = await m.notify()
  m.sendRaw(`{"id":9,"method":"mining.submit","params":["${BOB}.flaky","${n.jobId}","00000000`) // half a line
  m.destroy()
}

async function floodGarbage(port: number): Promise<void> {
  const m = await TestMiner.connect(port)
  for (let i = 0; i < 200 && !m.isClosed; i++) m.sendRaw(randomBytes(64).toString('base64') + '\n')
  await m.closed // dropped after maxBadLines
}

async function endlessLine(port: number): Promise<void> {
  const m = await TestMiner.connect(port)
  for (let i = 0; i < 100 && !m.isClosed; i++) {
    m.sendRaw('x'.repeat(1024))
    await sleep(1)
  }
  await m.closed
}

function openAndClose(port: number, subscribe: boolean): Promise<void> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      if (subscribe) s.write('{"id":1,"method":"mining.subscribe","params":[]}\n')
      setImmediate(() => s.destroy())
    })
    s.on('error', () => {})
    s.on('close', () => resolve())
  })
}

describe('stratum server under misbehaving miners', () => {
  it('keeps serving a well-behaved miner while others disconnect, flood and churn', async () => {
    // The good miner submits as fast as it can and ignores set_difficulty (findNonce takes any
    // nonce): the per-connection rate guard, which would raise its difficulty, is off here.
    const h = await startServer({ minDifficulty: 1e-12, startDifficulty: 1e-12, vardiff: false, maxShareRate: 0, maxBadLines: 5, maxLineBytes: 8 * 1024, maxConnectionsPerIp: 10_000 })
    h.server.setJob(makeJob({ shareTarget: MAX_TARGET >> 20n, blockTarget: MAX_TARGET >> 30n }))
    const good = await h.readyMiner(`${ALICE}.good`)
    let stop = false

    const jobs = (async () => {
      for (let i = 0; !stop; i++) {
        h.server.setJob(makeJob({ cleanJobs: i % 5 === 0, shareTarget: MAX_TARGET >> 20n, blockTarget: MAX_TARGET >> 30n }))
        await sleep(25)
      }
    })()

    const chaos = Promise.all([
      (async () => {
        for (let i = 0; i < 20; i++) await disconnectMidJob(h.port)
      })(),
      Promise.all(Array.from({ length: 5 }, () => floodGarbage(h.port))),
      endlessLine(h.port),
      (async () => {
        for (let i = 0; i < 300; i++) await openAndClose(h.port, i % 2 === 0)
      })()
    ])

    // The good miner works through every job it is given, for as long as the chaos lasts.
    let accepted = 0
    let chaosDone = false
    void chaos.then(() => (chaosDone = true))
    let job = await good.notify()
    while (!chaosDone || accepted < 50) {
      while (good.pendingNotifications('mining.notify').length > 0) job = await good.notify()
      const en2 = (accepted + 1).toString(16).padStart(16, '0')
      const { nonce } = findNonce(job, good.extranonce1, en2, () => true)
      const reply = await good.request('mining.submit', [`${ALICE}.good`, job.jobId, en2, job.time, nonce])
      // Only a clean job that arrived in between may make a submit stale; nothing else may fail.
      if (reply.result === true) accepted += 1
      else expect(reply.error).toEqual([21, 'stale job', null])
    }
    await chaos
    stop = true
    await jobs

    expect(good.isClosed).toBe(false)
    await until(() => h.server.stats().connections === 1)
    const stats = h.server.sessionStats()
    expect(stats).toHaveLength(1)
    expect(stats[0]).toMatchObject({ address: ALICE, accepted })
    expect(h.server.stats().accepted).toBe(accepted)
    // The server still answers new miners normally.
    const fresh = await h.readyMiner(`${ALICE}.fresh`)
    expect(fresh.isClosed).toBe(false)
  })
})
