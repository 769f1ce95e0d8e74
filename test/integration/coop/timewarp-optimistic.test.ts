// A non-writer's optimistic append stamped a day ahead (issue 12): any member could do this
// without going through a stratum. On protocol v1 the founder's next shares needed a target
// 2^(86400/600) harder: the cooperative stalled. On v2 the share is valid and acknowledged (it has
// the proof of work), its chain time runs at most maxTimeStep ahead, and the founder keeps mining
// at the real time with a target within one share's bound. Real Autobase, real sockets, the local
// DHT testnet.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bitsToTarget } from '../../../src/bitcoin/target.js'
import { consensusId } from '../../../protocol/params.js'
import { startLocalDht, type LocalDht } from '../../harness/dht.js'
import { minerScript, testParams, GENESIS_TIME } from '../../harness/sharechain.js'
import { ChainPeer, waitForChainConvergence } from '../../harness/chain-peer.js'

const params = testParams()
const cid = consensusId(params)

let dht: LocalDht
let founder: ChainPeer
let reader: ChainPeer

beforeAll(async () => {
  dht = await startLocalDht()
  founder = await ChainPeer.start({ name: 'founder', consensusId: cid, found: params, bootstrapKey: null, dht })
  reader = await ChainPeer.start({ name: 'reader', consensusId: cid, bootstrapKey: founder.base.key, dht })
  const deadline = Date.now() + 30_000
  while (founder.peerCount < 1 || reader.peerCount < 1) {
    if (Date.now() > deadline) throw new Error('the two peers never connected')
    await new Promise((r) => setTimeout(r, 25))
  }
})

afterAll(async () => {
  for (const p of [reader, founder]) await p?.destroy().catch(() => {})
  await dht?.stop()
})

async function jobTarget(p: ChainPeer): Promise<{ target: bigint; minTime: number }> {
  const base = await p.state.workBase(p.view)
  if (base === null) throw new Error('no genesis')
  return { target: bitsToTarget(base.shareBits), minTime: base.minTime }
}

describe('a future-stamped optimistic append', () => {
  it('is acknowledged, runs the chain time at most maxTimeStep ahead, and the founder keeps its pace', async () => {
    let now = GENESIS_TIME
    for (let i = 0; i < 12; i++) {
      now += params.shareInterval
      await founder.mineAndAppend(minerScript(0), { time: now })
    }
    await waitForChainConvergence([founder, reader], { until: async () => (await reader.tip())?.height === 11 })
    const before = await jobTarget(founder)

    now += params.shareInterval
    const hostile = await reader.mineAndAppend(minerScript(666), { time: now + 86_400 })
    await waitForChainConvergence([founder, reader], { until: async () => (await founder.share(hostile.id)) !== null })
    const record = await founder.share(hostile.id)
    expect(record?.time).toBe(now + 86_400)
    expect(record?.chainTime).toBeLessThanOrEqual(now - params.shareInterval + params.maxTimeStep)
    expect(founder.optimisticSeen.some((s) => s.writer === reader.writerKey && s.acked)).toBe(true)

    // The founder mines on at the real time; every job's target stays within two shares' bound
    // (SPEC.md §5.3) of the one before the attack, and none of its shares is refused.
    const bound = 2 ** ((-2 * params.shareInterval) / params.halfLife) * (1 - 2 ** -12)
    for (let i = 0; i < 8; i++) {
      const job = await jobTarget(founder)
      expect(Number(job.target) / Number(before.target)).toBeGreaterThanOrEqual(bound)
      expect(job.minTime).toBeLessThanOrEqual(now + params.shareInterval)
      now += params.shareInterval
      await founder.mineAndAppend(minerScript(0), { time: Math.max(now, job.minTime) })
    }
    const { tip } = await waitForChainConvergence([founder, reader], { until: async () => (await reader.tip())?.height === 20 })
    expect(tip.height).toBe(20)
    expect((await founder.stats())?.invalid).toBe(0)
  })
})
