/**
 * One header is one share (issue 12): a miner that sends the same solution under two live jobs
 * whose coinbases are byte-identical (a template refresh with the same previous block and share
 * tip) gets stratum's duplicate error the second time, and nothing is appended twice. Also: a
 * share stamped past what the share-chain lets a time run ahead (the +7000 s a v1 stratum took) is
 * refused before it costs anything. Real TCP, the real stratum server and work layer, the real
 * share-chain state on an in-memory view.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { scriptToAddress } from '../../../src/bitcoin/address.js'
import { bitsToTarget } from '../../../src/bitcoin/target.js'
import { StratumServer } from '../../../src/stratum/index.js'
import { WorkManager } from '../../../src/work/manager.js'
import { KEY, type StatsValue } from '../../../src/sharechain/view.js'
import { TestChain, minerScript, GENESIS_TIME, shareOnlyTemplate } from '../../harness/sharechain.js'
import { TestMiner, findNonce, type Notify } from '../../unit/stratum/support/test-miner.js'

interface Rig {
  chain: TestChain
  server: StratumServer
  work: WorkManager
  appended: Uint8Array[]
  port: number
}

const open: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const close of open.splice(0)) await close()
})

/**
 * `deferApply`: appends are applied to the view only when the test says (Autobase applies a
 * writer's append some time after it returns), so the view cannot catch a copy sent meanwhile.
 */
async function rig(chain?: TestChain, deferApply = false): Promise<Rig> {
  const c = chain ?? (await TestChain.create())
  const appended: Uint8Array[] = []
  let work: WorkManager | null = null
  const server = new StratumServer({
    network: 'regtest',
    host: '127.0.0.1',
    port: 0,
    vardiff: false,
    extranonce1Start: 1n,
    now: () => (GENESIS_TIME + 1000) * 1000,
    onSolution: (s) => (work === null ? { accepted: false, reason: 'starting' } : work.onSolution(s))
  })
  const { port } = await server.listen()
  open.push(() => server.close())
  work = new WorkManager({
    state: c.state,
    view: c.view,
    extranonceSize: server.extranonceSize,
    tag: new TextEncoder().encode('/test/'),
    publish: (job) => server.setJob(job),
    submitBlock: async () => ({ accepted: true }),
    appendEntry: async (entry) => {
      appended.push(entry)
      if (deferApply) return
      const [o] = await c.applyEntries([{ value: entry, writer: 'w' }])
      if (o?.kind !== 'share') throw new Error(`the view refused the share: ${JSON.stringify(o)}`)
    },
    now: () => (GENESIS_TIME + 1000) * 1000
  })
  return { chain: c, server, work, appended, port }
}

const WORKER = `${scriptToAddress(minerScript(4), 'regtest') as string}.rig1`

async function miner(port: number): Promise<{ m: TestMiner; extranonce1: string; size: number }> {
  const m = await TestMiner.connect(port)
  open.push(async () => m.destroy())
  const { extranonce1, extranonce2Size } = await m.handshake(WORKER)
  return { m, extranonce1, size: extranonce2Size }
}

/** A nonce whose header meets the job's share target (the test chain's: ~1 in 256 hashes). */
function solve(n: Notify, extranonce1: string, extranonce2: string, shareTarget: bigint): string {
  return findNonce(n, extranonce1, extranonce2, (v) => v <= shareTarget).nonce
}

describe('one header, one share', () => {
  it('the same solution under two identical live jobs: true, then stratum duplicate (22); one share in the log', async () => {
    const r = await rig(undefined, true)
    const { m, extranonce1, size } = await miner(r.port)
    await r.work.onTemplate(shareOnlyTemplate(), true)
    const first = await m.notify()
    await r.work.onTemplate(shareOnlyTemplate(), false) // a refresh: same block, same share tip
    const second = await m.notify()
    expect(second.jobId).not.toBe(first.jobId)
    expect(second.coinb1 + second.coinb2).toBe(first.coinb1 + first.coinb2)
    expect(second.time).toBe(first.time)

    const shareTarget = bitsToTarget((await r.chain.state.workBase(r.chain.view))?.shareBits ?? 0)
    const extranonce2 = '00'.repeat(size)
    const nonce = solve(first, extranonce1, extranonce2, shareTarget)
    const a = await m.request('mining.submit', [WORKER, first.jobId, extranonce2, first.time, nonce])
    expect(a.result).toBe(true)
    const b = await m.request('mining.submit', [WORKER, second.jobId, extranonce2, second.time, nonce])
    expect(b.result).not.toBe(true)
    expect(b.error).toEqual([22, 'duplicate share', null])

    expect(r.appended).toHaveLength(1)
    await r.chain.applyEntries(r.appended.map((value) => ({ value, writer: 'w' })))
    const stats = (await r.chain.view.get(KEY.stats))?.value as StatsValue
    expect(stats.shares).toBe(1)
    expect(stats.invalid).toBe(0)
    expect(r.work.stats.shares).toEqual({ accepted: 1, rejected: 1 })
  })

  it('a header already in the view is a duplicate for a work layer that has not seen it (a restarted node)', async () => {
    const chain = await TestChain.create()
    const r = await rig(chain)
    const restarted = await rig(chain)
    const a = await miner(r.port)
    const b = await miner(restarted.port)
    expect(b.extranonce1).toBe(a.extranonce1) // both servers start their extranonce1 at the same value
    await r.work.onTemplate(shareOnlyTemplate(), true)
    await restarted.work.onTemplate(shareOnlyTemplate(), true)
    const jobA = await a.m.notify()
    const jobB = await b.m.notify()
    expect(jobB.coinb1 + jobB.coinb2).toBe(jobA.coinb1 + jobA.coinb2)
    const shareTarget = bitsToTarget((await chain.state.workBase(chain.view))?.shareBits ?? 0)
    const extranonce2 = '00'.repeat(a.size)
    const nonce = solve(jobA, a.extranonce1, extranonce2, shareTarget)
    expect((await a.m.request('mining.submit', [WORKER, jobA.jobId, extranonce2, jobA.time, nonce])).result).toBe(true)
    const again = await b.m.request('mining.submit', [WORKER, jobB.jobId, extranonce2, jobB.time, nonce])
    expect(again.error).toEqual([22, 'duplicate share', null])
    expect(restarted.appended).toHaveLength(0)
    expect(((await chain.view.get(KEY.stats))?.value as StatsValue).invalid).toBe(0)
  })

  it('ntime 7000 s ahead (a v1 stratum took it) is refused by default; nothing is appended', async () => {
    const r = await rig()
    const { m, extranonce1, size } = await miner(r.port)
    await r.work.onTemplate(shareOnlyTemplate(), true)
    const job = await m.notify()
    const ahead = (parseInt(job.time, 16) + 7000).toString(16).padStart(8, '0')
    const shareTarget = bitsToTarget((await r.chain.state.workBase(r.chain.view))?.shareBits ?? 0)
    const extranonce2 = '00'.repeat(size)
    const nonce = findNonce({ ...job, time: ahead }, extranonce1, extranonce2, (v) => v <= shareTarget).nonce
    const reply = await m.request('mining.submit', [WORKER, job.jobId, extranonce2, ahead, nonce])
    expect(reply.result).not.toBe(true)
    expect(JSON.stringify(reply.error)).toMatch(/ntime out of range/)
    expect(r.appended).toHaveLength(0)
    // within the chain's allowance (maxTimeStep) it is a share
    const ok = (parseInt(job.time, 16) + r.chain.params.maxTimeStep).toString(16).padStart(8, '0')
    const nonce2 = findNonce({ ...job, time: ok }, extranonce1, extranonce2, (v) => v <= shareTarget).nonce
    expect((await m.request('mining.submit', [WORKER, job.jobId, extranonce2, ok, nonce2])).result).toBe(true)
    expect(r.appended).toHaveLength(1)
  })
})
