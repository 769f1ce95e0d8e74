// A node whose ShareChainState memo is cold (just restarted, or fast-forwarded by Autobase: the
// view arrives without apply having run over it) must compute the same payout split as a node that
// applied every share itself. Found on the network: a fast-forwarded joiner mined shares whose
// coinbase left out an ancestor's uncle credit; it accepted its own shares and every other node
// rejected them ('bad-merkle-root'), so the views split for good (sharechain-cluster.test.ts, kill -9).
import { describe, expect, it } from 'vitest'
import { ShareChainState } from '../../../src/sharechain/state.js'
import { encodeEntry } from '../../../protocol/share.js'
import { TestChain, mineShare, minerScript, testParams } from '../../harness/sharechain.js'
import { shareIdHex } from '../../harness/chain-peer.js'

const params = testParams()

async function chainWithUncleInWindow(): Promise<TestChain> {
  const c = await TestChain.create(params)
  const s0 = await c.extend(minerScript(0))
  const s1 = await c.extend(minerScript(1))
  // A sibling of s1, then s2 on s1 credits it as an uncle.
  await c.extend(minerScript(2), { parent: shareIdHex(s0) })
  const s2 = await c.extend(minerScript(3), { parent: shareIdHex(s1) })
  expect(s2.uncles).toHaveLength(1)
  await c.extend(minerScript(4), { parent: shareIdHex(s2) })
  return c
}

describe('a cold share-chain memo', () => {
  it('builds a job whose split the warm chain accepts (ancestors’ uncles are loaded)', async () => {
    const c = await chainWithUncleInWindow()
    const cold = new ShareChainState(c.id)
    const share = await mineShare(cold, c.view, minerScript(5))
    const outcome = await c.submit(share)
    expect(outcome).toMatchObject({ kind: 'share', accepted: true })
  })

  it('validates a share mined by the warm chain', async () => {
    const c = await chainWithUncleInWindow()
    const share = await c.mine(minerScript(5))
    const cold = new ShareChainState(c.id)
    const batch = c.view.batch()
    const [outcome] = await cold.apply(batch, [{ value: encodeEntry({ type: 'share', share }), writer: 'w' }])
    await batch.flush()
    expect(outcome).toMatchObject({ kind: 'share', accepted: true })
  })
})
