import { describe, expect, it } from 'vitest'
import { decodeEntry } from '../../../protocol/share.js'
import { ShareChain } from '../../../src/sharechain/chain.js'
import { MemoryView } from '../../../src/sharechain/memory-view.js'
import { ShareChainState, type Outcome } from '../../../src/sharechain/state.js'
import { ShareRejected, validateShare } from '../../../src/sharechain/validate.js'
import { KEY, RANGE, type ShareValue, type TipValue } from '../../../src/sharechain/view.js'
import { fromHex } from '../../../src/bitcoin/bytes.js'
import { runSimulation, type SimRun } from '../../../sims/core/engine.js'
import { FLOOD_KINDS } from '../../../sims/core/envelope.js'
import { genesisEntry, type FullNode } from '../../../sims/core/nodes.js'
import { networkForBlockEvery, PH, simParams } from '../../../sims/core/scaling.js'
import { payoutScript } from '../../../sims/core/scripts.js'

const params = simParams(11, { windowShares: 30 })

async function floodedRun(): Promise<SimRun> {
  return runSimulation({
    seed: 11,
    params,
    nodeCount: 4,
    miners: [0, 1, 2].map((i) => ({ node: i, hashrate: 10 * PH, script: payoutScript(i) })),
    latency: { kind: 'pairwise', meanSeconds: 0.3 },
    duration: 900,
    networkHashrate: networkForBlockEvery(params, 30 * PH, 20),
    flood: { node: 3, ratePerSecond: 0.1, kinds: FLOOD_KINDS, start: 200, end: 700 }
  })
}

/** A separate node that replays `node`'s accepted shares in the order it stored them. */
async function replayOf(node: FullNode): Promise<{ state: ShareChainState; view: MemoryView }> {
  const stored: ShareValue[] = []
  for await (const e of node.view.createReadStream(RANGE.shares)) stored.push(e.value as ShareValue)
  stored.sort((a, b) => a.seq - b.seq)
  const state = new ShareChainState(new ShareChain(params).consensusId)
  const view = new MemoryView()
  const batch = view.batch()
  const entries = [genesisEntry(params), ...stored.map((s) => Uint8Array.from([1, ...fromHex(s.bytes)]))]
  const outcomes = await state.apply(batch, entries.map((value) => ({ value, writer: 'replay' })))
  await batch.flush()
  expect(outcomes.every((o) => o.accepted)).toBe(true)
  return { state, view }
}

async function applyOne(state: ShareChainState, view: MemoryView, value: Uint8Array): Promise<Outcome> {
  const batch = view.batch()
  const [o] = await state.apply(batch, [{ value, writer: 'check' }])
  await batch.flush()
  return o as Outcome
}

describe('the simulator runs the real consensus code', () => {
  it('every injected invalid share is refused with the reason the ShareChainState gives for it, and none is accepted', async () => {
    const run = await floodedRun()
    const node = run.nodes[0] as FullNode
    const { state, view } = await replayOf(node)
    const chain = state.shareChain as ShareChain
    expect(new Set(run.injected.map((e) => e.intent))).toEqual(new Set(FLOOD_KINDS))
    for (const env of run.injected) {
      const inSim = node.rejected.filter((r) => r.seq === env.seq)
      expect(inSim).toHaveLength(1)
      const simReason = inSim[0]?.reason
      // what it was built to break, what the sim's node said, and what a separate state says
      expect(simReason).toBe(env.intent)
      const direct = await applyOne(state, view, env.entry)
      expect(direct.kind).toBe('invalid')
      if (direct.kind === 'invalid') expect(direct.reason).toBe(simReason)
      // and validateShare on the bare chain, for everything that decodes
      if (env.share !== null) {
        let thrown: unknown
        try {
          validateShare(chain, env.share, (h) => view.getSync(KEY.share(h)) !== null)
        } catch (err) {
          thrown = err
        }
        expect(thrown).toBeInstanceOf(ShareRejected)
        expect((thrown as ShareRejected).reason).toBe(simReason)
      } else {
        expect(() => decodeEntry(env.entry)).toThrow()
      }
      for (const n of run.nodes.slice(0, 3)) if (env.intent !== 'duplicate') expect(n.has(env.id)).toBe(false)
    }
  })

  it('the shares the simulator made replay into a fresh node: all valid, same tip', async () => {
    const run = await floodedRun()
    const node = run.nodes[1] as FullNode
    const { view } = await replayOf(node)
    const tip = view.getSync(KEY.tip)?.value as TipValue
    expect(tip.id).toBe(node.tipHex)
    expect(run.produced.filter((s) => s.published).every((s) => view.getSync(KEY.share(s.id)) !== null)).toBe(true)
  })
})
