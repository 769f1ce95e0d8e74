import { describe, expect, it } from 'vitest'
import { toHex } from '../../../src/bitcoin/bytes.js'
import { headerHash } from '../../../src/bitcoin/header.js'
import { targetToWork, bitsToTarget } from '../../../src/bitcoin/target.js'
import { TestChain, minerScript, testParams } from '../../harness/sharechain.js'
import type { Share } from '../../../protocol/share.js'

const params = testParams({ uncleDepth: 3, maxUncles: 2, uncleWeightBps: 9000, windowShares: 50 })
const idOf = (s: Share): string => toHex(headerHash(s.header))

describe('uncles', () => {
  it('a share that lost a race within the uncle depth is credited at the uncle rate', async () => {
    const c = await TestChain.create(params)
    const s0 = await c.extend(minerScript(0))
    const s1 = await c.extend(minerScript(1))
    // miner 7 found a sibling of s1 that lost the race (applied after s1, equal work, higher or lower id).
    const lost = await c.mine(minerScript(7), { parent: idOf(s0), time: params.createdAt + 25 })
    expect((await c.submit(lost)).kind).toBe('share')
    const tipBefore = (await c.tip())?.id
    const onChain = tipBefore === idOf(s1) ? s1 : lost
    const uncle = onChain === s1 ? lost : s1

    const base = await c.state.workBase(c.view)
    expect(base?.uncles.map(toHex)).toEqual([idOf(uncle)])
    const s2 = await c.extend(minerScript(2))
    expect(s2.uncles.map(toHex)).toEqual([idOf(uncle)])

    const weights = (await c.state.workBase(c.view))?.chain.windowWeights(c.state.shareChain?.get(idOf(s2)))
    const uncleWork = targetToWork(bitsToTarget(uncle.shareBits))
    const s2Work = targetToWork(bitsToTarget(s2.shareBits))
    const toUncle = (uncleWork * 9000n) / 10000n
    expect(weights?.get(toHex(uncle.payoutScript))).toBe(toUncle)
    expect(weights?.get(toHex(minerScript(2)))).toBe(s2Work + (uncleWork - toUncle))
    // cumulative work counts the uncle too
    const rec = c.state.shareChain?.get(idOf(s2))
    const parentRec = c.state.shareChain?.get(idOf(onChain))
    expect(rec?.cumWork).toBe((parentRec?.cumWork ?? 0n) + s2Work + uncleWork)
    // ... and a later share may not credit it again
    const again = await c.mine(minerScript(3), { uncles: [headerHash(uncle.header)] })
    expect(await c.submit(again)).toMatchObject({ kind: 'invalid', reason: 'bad-uncle' })
  })

  it('one beyond the uncle depth is not credited: not offered in jobs, refused in shares', async () => {
    const c = await TestChain.create(params)
    const s0 = await c.extend(minerScript(0))
    const s1 = await c.extend(minerScript(1))
    const lost = await c.mine(minerScript(7), { parent: idOf(s0), time: params.createdAt + 25 })
    await c.submit(lost)
    const uncle = (await c.tip())?.id === idOf(s1) ? lost : s1
    // advance three heights without crediting it (explicitly no uncles)
    for (let i = 0; i < 3; i++) await c.extend(minerScript(2), { uncles: [] })
    const base = await c.state.workBase(c.view)
    expect(base?.height).toBe(5)
    expect(base?.uncles).toEqual([])
    const late = await c.mine(minerScript(3), { uncles: [headerHash(uncle.header)] })
    const o = await c.submit(late)
    expect(o).toMatchObject({ kind: 'invalid', reason: 'bad-uncle' })
    if (o.kind === 'invalid') expect(o.detail).toContain('heights below')
  })

  it('an ancestor cannot be an uncle, nor a share from an unrelated branch', async () => {
    const c = await TestChain.create(params)
    const s0 = await c.extend(minerScript(0))
    await c.extend(minerScript(1))
    const asAncestor = await c.mine(minerScript(3), { uncles: [headerHash(s0.header)] })
    expect(await c.submit(asAncestor)).toMatchObject({ kind: 'invalid', reason: 'bad-uncle' })
  })
})
